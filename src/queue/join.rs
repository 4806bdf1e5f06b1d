//! Tracking work: every item put counts as unfinished until `task_done`; [`Join`] waits for the
//! count to reach 0. As with asyncio's `Event`, every task waiting when it does is released,
//! even if a put raises the count again before it runs.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

#[cfg(doc)]
use super::Queue;
use super::{Core, Locked, State, TaskDoneError};
use crate::waitlist::{MAX_VALUE, Waiter, WaiterState, WakeList};

impl<T> Core<T> {
    pub(super) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut s = self.lock();
        if s.unfinished == 0 {
            return Err(TaskDoneError(()));
        }
        s.unfinished -= 1;
        if s.unfinished == 0 {
            self.finish(s);
        }
        Ok(())
    }

    /// The unfinished count has just reached 0: releases every task in `join`, in batches.
    fn finish(&self, mut s: Locked<'_, T>) {
        if count_finished(&mut s) {
            self.wake_batched(s, release_joiners).finish();
        }
    }

    fn poll_join(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        match node.state() {
            WaiterState::Idle => {
                let mut fresh: Option<Waker> = None;
                loop {
                    let mut s = self.lock();
                    if s.unfinished == 0 {
                        break;
                    }
                    match fresh.take() {
                        None => {
                            drop(s);
                            fresh = Some(cx.waker().clone());
                        }
                        Some(waker) => {
                            let finished = s.finished;
                            s.joiners.push_back(node, finished, waker);
                            return Poll::Pending;
                        }
                    }
                }
            }
            WaiterState::Queued => {
                if self
                    .poll_parked(node, cx, |s, _| &mut s.joiners)
                    .is_pending()
                {
                    return Poll::Pending;
                }
            }
            WaiterState::Woken => {}
            WaiterState::Done => panic!("`Join` polled after completion"),
        }
        node.complete();
        Poll::Ready(())
    }

    /// For a dropped [`Join`]: leaves the line. A released joiner has nothing to pass on: every
    /// joiner was released with it.
    fn cancel_join(&self, node: Pin<&Waiter>) {
        if node.state() == WaiterState::Queued {
            let mut s = self.lock();
            let (_, _, waker) = s.joiners.remove(node);
            drop(s);
            drop(waker);
        }
    }
}

/// The unfinished count has just reached 0: marks every task in `join` as released, and returns
/// whether there is any, for [`release_joiners`] to wake.
pub(super) fn count_finished<T>(s: &mut State<T>) -> bool {
    if s.joiners.is_empty() {
        return false;
    }
    s.finished = (s.finished + 1) & MAX_VALUE;
    true
}

/// Releases the joiners that were waiting when the count last reached 0, up to a batch; returns
/// whether any are left.
pub(super) fn release_joiners<T>(s: &mut State<T>, wakers: &mut WakeList) -> bool {
    let current = s.finished;
    while !wakers.is_full() && s.joiners.front_value().is_some_and(|f| f != current) {
        wakers.push(s.joiners.grant_front().flatten());
    }
    s.joiners.front_value().is_some_and(|f| f != current)
}

pin_project! {
    /// The future returned by `join` on [`Queue`], `LifoQueue` and `PriorityQueue`; resolves
    /// once every item put has been marked done.
    ///
    /// Dropping it before it completes just leaves the line: see
    /// [`Queue`'s cancel safety](Queue#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_core::FusedFuture;
    ///
    /// # futures_executor::block_on(async {
    /// let queue = aiosync::Queue::<u8>::new(0);
    /// let mut join = std::pin::pin!(queue.join());
    /// join.as_mut().await; // nothing unfinished
    /// assert!(join.is_terminated());
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Join<'a, T> {
        core: &'a Core<T>,
        #[pin]
        node: Waiter,
    }

    impl<T> PinnedDrop for Join<'_, T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            // The common case, a completed future, without a call.
            if this.node.state() != WaiterState::Done {
                this.core.cancel_join(this.node.as_ref());
            }
        }
    }
}

impl<'a, T> Join<'a, T> {
    pub(super) fn new(core: &'a Core<T>) -> Self {
        Join {
            core,
            node: Waiter::new(),
        }
    }
}

impl<T> Future for Join<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        this.core.poll_join(this.node.as_ref(), cx)
    }
}

impl<T> FusedFuture for Join<'_, T> {
    fn is_terminated(&self) -> bool {
        self.node.state() == WaiterState::Done
    }
}

impl<T> fmt::Debug for Join<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("state", &self.node.state())
            .finish()
    }
}
