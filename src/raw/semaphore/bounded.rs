//! The semaphores' bounded-bypass policy ([`Fairness::Bounded`](crate::Fairness::Bounded)).
//! The rules of the parent module hold, with two exceptions, both decided under the mutex:
//!
//! - A release may leave its permits in the word while waiters are queued (an open release), if
//!   the oldest waiter has been bypassed fewer than `limit` times. It then takes the oldest
//!   waiter's waker (without unlinking it) when the permits cover its request, so the waiter
//!   polls and takes them itself unless someone else has. Once the count reaches `limit`,
//!   releases hand permits to the oldest waiter directly, as FIFO does, taking those left in the
//!   word too.
//! - A newcomer may take permits from the word while waiters are queued (a bypass), counted in
//!   `bypassed`, only while that count is below `limit`. The count belongs to the current oldest
//!   waiter: it is reset whenever that waiter leaves the head, granted, served or cancelled.
//!
//! So the oldest waiter is bypassed at most `limit` times, and whenever the word holds enough
//! permits for it while it is queued, its waker has been taken: no wake-up is lost.

use core::pin::Pin;
use core::task::{Context, Poll};

use super::{ONE, QUEUED, RawSemaphore, permits};
use crate::loom::Ordering;
use crate::raw::OnUnwind;
use crate::waitlist::{Locked, Spare, Waiter, WaiterState, wake};

impl RawSemaphore {
    /// A release: open (the permits go to the word for whoever comes first) while the oldest
    /// waiter may still be bypassed, a FIFO hand-off once it may not.
    pub(super) fn release_bounded<'a>(&'a self, q: Locked<'a, u32>, n: usize) {
        if q.is_empty() || self.bypassed.load(Ordering::Relaxed) >= self.limit() {
            // The hand-off also takes the permits left open, so the oldest waiter gets them all.
            return self.release_with(q, n, true);
        }
        self.open(q, n);
    }

    /// With `QUEUED` set: adds `n` permits to the word (repaying the deficit first) and, if it
    /// now covers the oldest waiter's request, takes its waker and wakes it after unlocking. With
    /// the list empty it settles instead.
    fn open(&self, mut q: Locked<'_, u32>, n: usize) {
        let Some(need) = q.front_value() else {
            return self.settle(n);
        };
        let n = self.repay(n);
        // `QUEUED` is set, so only mutex holders change the word; with a deficit left `n` is 0.
        let cur = self.state.load(Ordering::Acquire) + n * ONE;
        self.state.store(cur, Ordering::Release);
        let waker = if permits(cur) >= need {
            q.take_front_waker()
        } else {
            None
        };
        drop(q);
        wake(waker);
    }

    /// With `QUEUED` set in `cur`: takes `n` permits ahead of the list if they are in the word and
    /// the oldest waiter may still be bypassed (counting it).
    pub(super) fn bypass(&self, q: &Locked<'_, u32>, cur: usize, n: usize) -> bool {
        if permits(cur) < n {
            return false;
        }
        if !q.is_empty() {
            // With the list empty, only granted waiters wait, and they have their share already.
            let bypassed = self.bypassed.load(Ordering::Relaxed);
            if bypassed >= self.limit() {
                return false;
            }
            self.bypassed.store(bypassed + 1, Ordering::Relaxed);
        }
        // `QUEUED` is set, so only mutex holders change the word.
        self.state.store(cur - n * ONE, Ordering::Release);
        true
    }

    /// `try_acquire` after its fast path failed.
    pub(super) fn try_bypass(&self, n: usize) -> bool {
        let q = self.list.lock();
        let cur = self.state.load(Ordering::Acquire);
        if cur & QUEUED == 0 {
            // Nobody waits any more (and with a deficit the fast path finds nothing to take).
            drop(q);
            return self.try_acquire_fast(n);
        }
        self.bypass(&q, cur, n)
    }

    #[inline(never)]
    pub(super) fn poll_idle_bounded(
        &self,
        node: Pin<&Waiter>,
        n: usize,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        self.poll_idle::<true>(node, n, cx)
    }

    /// Polls a queued request: the waiter takes the permits from the word if it is the oldest and
    /// they cover what it still needs; otherwise it makes sure it will be woken.
    #[cold]
    pub(super) fn poll_queued_bounded(
        &self,
        node: Pin<&Waiter>,
        n: usize,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let mut fresh = None;
        loop {
            let mut q = self.list.lock();
            if node.state() != WaiterState::Queued {
                drop(q);
                // Still `Woken` if this panics: the future's drop passes the grant on.
                drop(fresh);
                self.resume_granted(node, n);
                return Poll::Ready(());
            }
            let cur = self.state.load(Ordering::Acquire);
            if q.is_front(node) && q.front_value().is_some_and(|need| permits(cur) >= need) {
                let (_, need, waker) = q.remove(node);
                self.stop_waiting();
                self.bypassed.store(0, Ordering::Relaxed);
                // `QUEUED` is set, so only mutex holders change the word.
                self.state.store(cur - need * ONE, Ordering::Release);
                node.complete();
                // The next oldest waiter may find enough for it too. Its waker and ours are user
                // code: should one panic, the permits are given back.
                let taken = OnUnwind(|| self.release(n));
                let spares = (Spare(waker), Spare(fresh));
                self.open(q, 0);
                drop(spares);
                taken.disarm();
                return Poll::Ready(());
            }
            if q.keep_waiting(node, cx, &mut fresh) {
                return Poll::Pending;
            }
        }
    }

    #[inline(never)]
    pub(super) fn cancel_bounded(&self, node: Pin<&Waiter>, n: usize) {
        self.cancel::<true>(node, n);
    }
}
