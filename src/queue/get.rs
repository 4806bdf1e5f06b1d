//! Getting: an item leaves the buffer only in the poll (or `get_nowait`) that returns it, so a
//! dropped [`Get`] never loses one; a getter woken for an item that a newcomer took first parks
//! again in its place; a woken getter that is dropped passes the wake-up on.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

#[cfg(doc)]
use super::Queue;
use super::buffer::Taken;
use super::{Core, QueueShutDown, TryGetError};
use crate::waitlist::{Spare, Waiter, WaiterState};

impl<T> Core<T> {
    pub(super) fn get_nowait(&self) -> Result<T, TryGetError> {
        let mut s = self.lock();
        let Some(taken) = s.items.pop() else {
            return Err(if s.shutdown {
                TryGetError::ShutDown
            } else {
                TryGetError::Empty
            });
        };
        let putter = s.putters.wake_next().flatten();
        drop(s);
        Ok(self.hand_over(taken, None, putter))
    }

    /// Completes a get that took `taken`: wakes the putter woken for the slot, then drops the
    /// spare waker of a poll that did not park after all. Both are user code: if either panics,
    /// the item goes back where it came from before the panic goes on, so it is never lost.
    #[inline]
    fn hand_over(&self, taken: Taken<T>, spare: Option<Waker>, putter: Option<Waker>) -> T {
        if spare.is_none() && putter.is_none() {
            return taken.into_item();
        }
        match catch_unwind(AssertUnwindSafe(|| {
            let spare = Spare(spare);
            if let Some(putter) = putter {
                putter.wake();
            }
            drop(spare);
        })) {
            Ok(()) => taken.into_item(),
            Err(panic) => self.give_back(taken, panic),
        }
    }

    /// After user code of a get that took `taken` panicked: puts the item back first in line,
    /// wakes a getter that parked on the queue while the item was out, and goes on with the
    /// panic. The putter woken for the item's slot finds the queue full and parks again in its
    /// place. Should that user code itself have put an item into the freed slot, the queue holds
    /// one item more than `maxsize` until the next get: nothing is lost either way.
    #[cold]
    fn give_back(&self, taken: Taken<T>, panic: Box<dyn Any + Send>) -> ! {
        let mut s = self.lock();
        let failed = s.items.give_back(taken);
        let getter = match failed {
            Ok(()) => s.getters.wake_next().flatten(),
            Err(_) => None,
        };
        drop(s);
        // Quietly: the panic that goes on is the first one.
        if let Some(getter) = getter {
            let _ = catch_unwind(AssertUnwindSafe(|| getter.wake()));
        }
        // An item whose `Ord` panicked as well is dropped here, with the lock released.
        drop(failed);
        resume_unwind(panic)
    }

    fn poll_get(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<Result<T, QueueShutDown>> {
        match node.state() {
            WaiterState::Idle | WaiterState::Woken => {}
            WaiterState::Queued => {
                if self
                    .poll_parked(node, cx, |s, node| s.getters.list_of(node))
                    .is_pending()
                {
                    return Poll::Pending;
                }
            }
            WaiterState::Done => panic!("`Get` polled after completion"),
        }
        // Idle, or woken (by an item, or by shutdown): asyncio's `while self.empty()` loop.
        let mut fresh: Option<Waker> = None;
        loop {
            let mut s = self.lock();
            if let Some(taken) = s.items.pop() {
                let putter = s.putters.wake_next().flatten();
                drop(s);
                // Not completed before the user code in `hand_over`: if it panics, the item is
                // back and a woken node passes the wake-up on when the future is dropped.
                let item = self.hand_over(taken, fresh, putter);
                node.complete();
                return Poll::Ready(Ok(item));
            }
            if s.shutdown {
                drop(s);
                drop(fresh);
                node.complete();
                return Poll::Ready(Err(QueueShutDown::new(())));
            }
            match fresh.take() {
                None => {
                    drop(s);
                    fresh = Some(cx.waker().clone());
                }
                Some(waker) => {
                    // A woken node goes back to its place in line: a newcomer took its item.
                    s.getters.park(node, waker);
                    return Poll::Pending;
                }
            }
        }
    }
}

pin_project! {
    /// The future returned by `get` on [`Queue`], `LifoQueue` and `PriorityQueue`; resolves to
    /// the next item, or to [`QueueShutDown`] once the queue is shut down and empty.
    ///
    /// The item leaves the queue only in the poll that returns it: dropping the future before
    /// it completes never loses one. See [`Queue`'s cancel safety](Queue#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_core::FusedFuture;
    ///
    /// # futures_executor::block_on(async {
    /// let queue = aiosync::Queue::new(0);
    /// queue.put_nowait(7).unwrap();
    /// let mut get = std::pin::pin!(queue.get());
    /// assert_eq!(get.as_mut().await, Ok(7));
    /// assert!(get.is_terminated());
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Get<'a, T> {
        core: &'a Core<T>,
        #[pin]
        node: Waiter,
    }

    impl<T> PinnedDrop for Get<'_, T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            // The common case, a completed future, without a call.
            if this.node.state() != WaiterState::Done {
                // A task woken for an item passes the wake-up on if items are left.
                this.core.cancel(
                    this.node.as_ref(),
                    |s| &mut s.getters,
                    |s, _| !s.items.is_empty(),
                );
            }
        }
    }
}

impl<'a, T> Get<'a, T> {
    pub(super) fn new(core: &'a Core<T>) -> Self {
        Get {
            core,
            node: Waiter::new(),
        }
    }

    pub(super) fn core(&self) -> &'a Core<T> {
        self.core
    }
}

impl<T> Future for Get<'_, T> {
    type Output = Result<T, QueueShutDown>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        this.core.poll_get(this.node.as_ref(), cx)
    }
}

impl<T> FusedFuture for Get<'_, T> {
    fn is_terminated(&self) -> bool {
        self.node.state() == WaiterState::Done
    }
}

impl<T> fmt::Debug for Get<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("state", &self.node.state())
            .finish()
    }
}
