//! Putting: the item stays in the [`Put`] future until the poll that adds it, so a dropped put
//! never enqueues it; a putter woken for a slot that a newcomer filled first parks again in its
//! place; a woken putter that is dropped passes the wake-up on.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

#[cfg(doc)]
use super::Queue;
use super::buffer::Place;
use super::{Core, Locked, QueueShutDown, TryPutError};
use crate::waitlist::{Spare, Waiter, WaiterState, wake};

const HOLDS: &str = "a `Put` holds its item until it completes";

impl<T> Core<T> {
    pub(super) fn put_nowait(&self, item: T) -> Result<(), TryPutError<T>> {
        let mut s = self.lock();
        if s.shutdown {
            drop(s);
            return Err(TryPutError::ShutDown(item));
        }
        if s.is_full(self.maxsize) {
            drop(s);
            return Err(TryPutError::Full(item));
        }
        // `Ord` first: should it panic, nothing has changed and `item` is dropped after the lock.
        let place = s.items.place(&item);
        let getter = self.add(&mut s, item, place);
        drop(s);
        wake(getter);
        Ok(())
    }

    /// asyncio's `put_nowait` once its checks passed: adds the item at `place`, counts it
    /// unfinished, and wakes the first getter (returned, to wake once the lock is released).
    #[inline]
    fn add(&self, s: &mut Locked<'_, T>, item: T, place: Place) -> Option<Waker> {
        s.items.insert(item, place);
        s.unfinished += 1;
        s.getters.wake_next().flatten()
    }

    fn poll_put(
        &self,
        node: Pin<&Waiter>,
        item: &mut Option<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), QueueShutDown<T>>> {
        match node.state() {
            WaiterState::Idle | WaiterState::Woken => {}
            WaiterState::Queued => {
                if self
                    .poll_parked(node, cx, |s, node| s.putters.list_of(node))
                    .is_pending()
                {
                    return Poll::Pending;
                }
            }
            WaiterState::Done => panic!("`Put` polled after completion"),
        }
        // Idle, or woken (by a free slot, or by shutdown): asyncio's `while self.full()` loop.
        let mut fresh: Option<Waker> = None;
        loop {
            let mut s = self.lock();
            if s.shutdown {
                drop(s);
                // Before completing: should dropping it panic, a woken node passes its wake-up on.
                drop(fresh);
                node.complete();
                let item = item.take().expect(HOLDS);
                return Poll::Ready(Err(QueueShutDown::new(item)));
            }
            if !s.is_full(self.maxsize) {
                // `Ord` first: should it panic, nothing has changed and the item is still ours.
                let place = s.items.place(item.as_ref().expect(HOLDS));
                let getter = self.add(&mut s, item.take().expect(HOLDS), place);
                drop(s);
                // Done: the item is in. User code from here on finds the queue whole.
                node.complete();
                match fresh {
                    None => wake(getter),
                    Some(spare) => wake_then_drop(getter, spare),
                }
                return Poll::Ready(Ok(()));
            }
            match fresh.take() {
                None => {
                    drop(s);
                    fresh = Some(cx.waker().clone());
                }
                Some(waker) => {
                    // A woken node goes back to its place in line: a newcomer took its slot.
                    s.putters.park(node, waker);
                    return Poll::Pending;
                }
            }
        }
    }
}

/// Wakes the getter a put fed, then drops the put's spare waker: the getter first, so that a
/// spare whose drop panics cannot strand it, and the spare quietly if the getter's waker panics.
#[cold]
fn wake_then_drop(getter: Option<Waker>, spare: Waker) {
    let spare = Spare(Some(spare));
    wake(getter);
    drop(spare);
}

pin_project! {
    /// The future returned by `put` on [`Queue`], `LifoQueue` and `PriorityQueue`; resolves to
    /// `Ok(())` once the item is in the queue, or to [`QueueShutDown`] with the item if the
    /// queue was shut down first.
    ///
    /// It holds the item until the poll that adds it: dropping it before it completes drops the
    /// item and adds nothing. See [`Queue`'s cancel safety](Queue#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_core::FusedFuture;
    ///
    /// # futures_executor::block_on(async {
    /// let queue = aiosync::Queue::new(1);
    /// let mut put = std::pin::pin!(queue.put("job"));
    /// put.as_mut().await.unwrap();
    /// assert!(put.is_terminated());
    /// assert_eq!(queue.qsize(), 1);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Put<'a, T> {
        core: &'a Core<T>,
        item: Option<T>,
        #[pin]
        node: Waiter,
    }

    impl<T> PinnedDrop for Put<'_, T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            // The common case, a completed future, without a call.
            if this.node.state() != WaiterState::Done {
                // A task woken for a slot passes the wake-up on if a slot is left. The item, never
                // added, is dropped with the future.
                this.core.cancel(
                    this.node.as_ref(),
                    |s| &mut s.putters,
                    |s, maxsize| !s.is_full(maxsize),
                );
            }
        }
    }
}

impl<'a, T> Put<'a, T> {
    pub(super) fn new(core: &'a Core<T>, item: T) -> Self {
        Put {
            core,
            item: Some(item),
            node: Waiter::new(),
        }
    }
}

impl<T> Future for Put<'_, T> {
    type Output = Result<(), QueueShutDown<T>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        this.core.poll_put(this.node.as_ref(), this.item, cx)
    }
}

impl<T> FusedFuture for Put<'_, T> {
    fn is_terminated(&self) -> bool {
        self.node.state() == WaiterState::Done
    }
}

impl<T> fmt::Debug for Put<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("state", &self.node.state())
            .finish_non_exhaustive()
    }
}
