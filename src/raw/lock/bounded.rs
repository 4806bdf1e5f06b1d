//! The `Lock`'s bounded-bypass policy ([`Fairness::Bounded`]): a release with waiters may leave
//! the lock free and wake the oldest waiter (which stays linked and takes the lock itself when it
//! polls), and a newcomer may take a free lock first, a bypass, while the oldest waiter has been
//! bypassed fewer than `limit` times. The count lives in the word, so that a bypass, and a
//! release while the oldest waiter is already woken, are one compare-exchange each rather than a
//! trip through the mutex (which would cost about what the hand-off saves).
//!
//! The word (see the table in the parent module), while `QUEUED` is set:
//!
//! - `NOTIFIED`: the oldest waiter's waker has been taken, so it will poll. With `BYPASS`
//!   × count, the oldest waiter's bypass count. Both are 0 while `QUEUED` is clear.
//! - Without the mutex, only two changes are made: a bypass takes `ONE` and adds `BYPASS` while
//!   the count is below `limit`, and the holder's release sets `ONE` when `NOTIFIED` is set and
//!   the count is below `limit`. So `ONE` with `QUEUED` implies a count below `limit`, and a free
//!   lock always has an oldest waiter that will poll.
//! - While the lock is held (`ONE` clear) only its holder and mutex holders change the word, so
//!   the holder, with the mutex, may store it. A mutex holder that does not hold the lock uses
//!   compare-exchange.
//! - The count restarts at 0 whenever the oldest waiter changes: served, granted or cancelled.
//!   Once it reaches `limit`, releases hand the lock to the oldest waiter directly, as FIFO does.

use core::pin::Pin;
use core::task::{Context, Poll};

use super::{ONE, QUEUED, RawLock};
use crate::Fairness;
use crate::loom::Ordering;
use crate::waitlist::{Locked, Spare, Waiter, WaiterState, wake};

/// With `QUEUED`: the oldest waiter's waker was taken.
const NOTIFIED: usize = 4;
/// With `QUEUED`: one bypass of the oldest waiter.
const BYPASS: usize = 8;
/// The largest bound the word can count to (below `u32::MAX` only on 32-bit targets).
const MAX_BYPASSES: usize = usize::MAX / BYPASS;

/// The bypass bound a `Lock` keeps for `fairness`: 0 for FIFO, capped at what its word counts.
pub(super) const fn limit(fairness: Fairness) -> u32 {
    let limit = fairness.limit();
    if limit as usize > MAX_BYPASSES {
        MAX_BYPASSES as u32
    } else {
        limit
    }
}

impl RawLock {
    /// Takes the lock if it is free and either nobody waits or the oldest waiter may be bypassed
    /// once more.
    pub(super) fn bypass(&self) -> bool {
        let limit = self.limit() as usize;
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            let next = if cur == ONE {
                0
            } else if cur & (QUEUED | ONE) == QUEUED | ONE && cur / BYPASS < limit {
                cur - ONE + BYPASS
            } else {
                return false;
            };
            match self
                .state
                .compare_exchange_weak(cur, next, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }

    /// An acquire's first poll after the fast path failed: bypasses if it may, otherwise queues.
    #[inline(never)]
    pub(super) fn poll_idle_bounded(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        if self.bypass() {
            node.complete();
            return Poll::Ready(());
        }
        self.queue_up_bounded(node, cx)
    }

    #[inline(never)]
    fn queue_up_bounded(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        // Cloned before locking: a waker's clone may run arbitrary code.
        let waker = cx.waker().clone();
        let mut q = self.list.lock();
        loop {
            // A release may have come since: try again, now that `QUEUED` cannot change.
            if self.bypass() {
                drop(q);
                node.complete();
                self.then_drop(waker);
                return Poll::Ready(());
            }
            // With `QUEUED`, the lock is held or the count used up: queue behind the others. If
            // a release frees it meanwhile, the oldest waiter will find it. Without, the lock is
            // held and nobody waits: become the oldest waiter.
            if self.state.load(Ordering::Acquire) & QUEUED != 0
                || self
                    .state
                    .compare_exchange(0, QUEUED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                q.push_back(node, 1, waker);
                return Poll::Pending;
            }
        }
    }

    /// A queued waiter's poll: granted by a forced hand-off, or the oldest waiter taking the free
    /// lock, or waiting again.
    #[cold]
    pub(super) fn poll_queued_bounded(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        let mut fresh = None;
        loop {
            let mut q = self.list.lock();
            if node.state() != WaiterState::Queued {
                // Granted by a forced hand-off. Still `Woken` if the drop panics: the future's
                // drop passes the lock on.
                drop(q);
                drop(fresh);
                node.complete();
                return Poll::Ready(());
            }
            if q.is_front(node) {
                let mut cur = self.state.load(Ordering::Acquire);
                loop {
                    if cur & ONE != 0 {
                        // Take it. Whoever is next starts with no bypass and no notification.
                        match self.state.compare_exchange(
                            cur,
                            QUEUED,
                            Ordering::Acquire,
                            Ordering::Acquire,
                        ) {
                            Ok(_) => {
                                let (_, _, waker) = q.remove(node);
                                if q.is_empty() {
                                    // We hold the lock and the mutex: nobody else changes it.
                                    self.state.store(0, Ordering::Release);
                                }
                                drop(q);
                                node.complete();
                                self.then_drop((waker, fresh));
                                return Poll::Ready(());
                            }
                            Err(actual) => cur = actual,
                        }
                    } else if cur & NOTIFIED == 0 {
                        break;
                    } else {
                        // About to wait again: from now on a release must wake it through the
                        // mutex, unless it frees the lock first (then take it).
                        match self.state.compare_exchange(
                            cur,
                            cur & !NOTIFIED,
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        ) {
                            Ok(_) => break,
                            Err(actual) => cur = actual,
                        }
                    }
                }
            }
            if q.keep_waiting(node, cx, &mut fresh) {
                return Poll::Pending;
            }
        }
    }

    /// A release after the fast path failed.
    #[inline(never)]
    pub(super) fn unlock_bounded(&self) {
        let limit = self.limit() as usize;
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            let next = if cur & QUEUED == 0 {
                // The last waiter left since the fast path.
                ONE
            } else if cur & NOTIFIED != 0 && cur / BYPASS < limit {
                // The oldest waiter will poll: leave the lock free for it or a bypass.
                cur | ONE
            } else {
                break;
            };
            match self
                .state
                .compare_exchange_weak(cur, next, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        self.release_with(self.list.lock());
    }

    /// The holder releases the lock with the mutex held, so the word is stable: a forced
    /// hand-off once the oldest waiter's count is used up, otherwise the lock is left free and
    /// the oldest waiter woken.
    #[inline(never)]
    fn release_with(&self, mut q: Locked<'_, u32>) {
        let cur = self.state.load(Ordering::Acquire);
        let (next, waker) = if q.is_empty() {
            (ONE, None)
        } else if cur / BYPASS >= self.limit() as usize {
            let waker = q.grant_front();
            (if q.is_empty() { 0 } else { QUEUED }, waker)
        } else {
            (cur | ONE | NOTIFIED, q.take_front_waker())
        };
        self.state.store(next, Ordering::Release);
        drop(q);
        wake(waker);
    }

    /// Cancels a queued or granted acquire.
    #[inline(never)]
    pub(super) fn cancel_bounded(&self, node: Pin<&Waiter>) {
        let mut q = self.list.lock();
        let was_front = q.is_front(node);
        let (state, _, waker) = q.remove(node);
        // Dropped last, after the wake-ups below, quietly should one of them panic.
        let waker = Spare(waker);
        match state {
            // Granted by a forced hand-off: it holds the lock, and releases it.
            WaiterState::Woken => self.release_with(q),
            WaiterState::Queued if was_front => {
                // The next waiter is the oldest now: no bypass yet, and woken if the lock is
                // free. The lock may be taken or freed meanwhile, so compare-exchange.
                let mut cur = self.state.load(Ordering::Acquire);
                let next = loop {
                    let next = if q.is_empty() {
                        cur & ONE
                    } else if cur & ONE != 0 {
                        QUEUED | ONE | NOTIFIED
                    } else {
                        QUEUED
                    };
                    match self.state.compare_exchange(
                        cur,
                        next,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => break next,
                        Err(actual) => cur = actual,
                    }
                };
                let waker = if next & NOTIFIED != 0 {
                    q.take_front_waker()
                } else {
                    None
                };
                drop(q);
                wake(waker);
            }
            _ => drop(q),
        }
        drop(waker);
    }
}
