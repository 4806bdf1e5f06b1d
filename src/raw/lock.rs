//! [`RawLock`], the core of `Lock`: its one permit in an atomic word, and a wait list with direct
//! FIFO hand-off. The bounded-bypass policy's protocol is in [`bounded`].
//!
//! | word bits | name | meaning |
//! |---|---|---|
//! | 0 | `QUEUED` | the wait list is non-empty |
//! | 1 | `ONE` | the lock is free |
//! | 2 | `NOTIFIED` | bounded policy only: the oldest waiter's waker was taken, it will poll |
//! | 3.. | `BYPASS` × count | bounded policy only: how often the oldest waiter was bypassed |
//!
//! Under the FIFO policy the word is `ONE` (free), `0` (held, nobody waits) or `QUEUED` (held,
//! waiters queued): a release with waiters hands the lock to the oldest one under the mutex, so
//! the lock is never free while anyone waits, and a newcomer's compare-exchange cannot take it
//! from them. While `QUEUED` is set the word changes only under the mutex; the fast paths need
//! it clear, so they never race the slow ones.

mod bounded;

use core::pin::Pin;
use core::task::{Context, Poll};

use super::OnUnwind;
use crate::Fairness;
use crate::loom::{AtomicUsize, Ordering};
use crate::waitlist::{Locked, WaitList, Waiter, WaiterState, wake};

const QUEUED: usize = 1;
const ONE: usize = 2;

/// The core of a `Lock`.
pub(crate) struct RawLock {
    state: AtomicUsize,
    /// The waiters; its config is the bypass bound, 0 for strict FIFO.
    list: WaitList<u32>,
}

impl RawLock {
    crate::loom::const_fn! {
        pub(crate) fn new(fairness: Fairness) -> Self {
            RawLock {
                state: AtomicUsize::new(ONE),
                list: WaitList::with_config(bounded::limit(fairness)),
            }
        }
    }

    #[inline]
    fn limit(&self) -> u32 {
        *self.list.config()
    }

    pub(crate) fn fairness(&self) -> Fairness {
        Fairness::from_limit(self.limit())
    }

    /// Whether the lock is held (or handed to a waiter that has not resumed).
    pub(crate) fn is_locked(&self) -> bool {
        self.state.load(Ordering::Acquire) & ONE == 0
    }

    pub(crate) fn waiters(&self) -> usize {
        self.list.len()
    }

    /// Takes the lock if it is free and nobody waits: a single compare-exchange, never a bypass.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.state
            .compare_exchange(ONE, 0, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// The primitive's `try_acquire`: takes the lock if it is free and nobody waits or, under the
    /// bounded policy, if the oldest waiter may still be bypassed.
    #[inline]
    pub(crate) fn try_acquire(&self) -> bool {
        self.try_lock() || (self.limit() != 0 && self.bypass())
    }

    /// Releases the lock: a single compare-exchange when nobody waits.
    #[inline]
    pub(crate) fn unlock(&self) {
        if self
            .state
            .compare_exchange(0, ONE, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.unlock_slow();
        }
    }

    /// Only a dispatch, so that neither policy pays for the other's stack frame (the callgrind
    /// gate measures these paths).
    #[inline(never)]
    fn unlock_slow(&self) {
        if self.limit() != 0 {
            return self.unlock_bounded();
        }
        self.hand_off(self.list.lock());
    }

    /// With the mutex, by the holder of the lock: hands it to the oldest waiter, or frees it if
    /// nobody waits. One waker, no batch, nothing left to finish if it panics.
    #[inline]
    fn hand_off(&self, mut q: Locked<'_, u32>) {
        // With `QUEUED` set only mutex holders change the word; with it clear the lock is held
        // (by us) and nobody waits, and only the holder or a mutex holder changes it.
        let waker = if q.is_empty() {
            self.state.store(ONE, Ordering::Release);
            None
        } else {
            let waker = q.grant_front();
            if q.is_empty() {
                // Still held, by the waiter it was handed to.
                self.state.store(0, Ordering::Release);
            }
            waker
        };
        drop(q);
        wake(waker);
    }

    /// Polls an acquire whose node is `node`. `Ready` means the lock is the caller's.
    #[inline]
    pub(crate) fn poll_acquire(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        if node.state() == WaiterState::Idle {
            if self.try_lock() {
                node.complete();
                return Poll::Ready(());
            }
            return self.poll_idle(node, cx);
        }
        self.poll_slow(node, cx)
    }

    /// An acquire's first poll after the fast path failed: a dispatch, as in `unlock_slow`.
    #[inline(never)]
    fn poll_idle(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        if self.limit() != 0 {
            return self.poll_idle_bounded(node, cx);
        }
        self.queue_up(node, cx)
    }

    /// Takes the lock if it was freed since the fast path, otherwise queues.
    #[inline(never)]
    fn queue_up(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        // Cloned before locking: a waker's clone may run arbitrary code.
        let waker = cx.waker().clone();
        let mut q = self.list.lock();
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if cur & QUEUED != 0 {
                q.push_back(node, 1, waker);
                return Poll::Pending;
            }
            // Free: take it. Held, nobody waiting: become the first waiter.
            let next = if cur == ONE { 0 } else { QUEUED };
            match self
                .state
                .compare_exchange(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if next == 0 => break,
                Ok(_) => {
                    q.push_back(node, 1, waker);
                    return Poll::Pending;
                }
                Err(actual) => cur = actual,
            }
        }
        drop(q);
        node.complete();
        self.then_drop(waker);
        Poll::Ready(())
    }

    /// Polls an acquire that is not idle: queued, granted, or done.
    fn poll_slow(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        match node.state() {
            WaiterState::Queued if self.limit() != 0 => self.poll_queued_bounded(node, cx),
            WaiterState::Queued => match self.list.poll_waiter(node, cx) {
                Poll::Ready(()) => {
                    node.complete();
                    Poll::Ready(())
                }
                Poll::Pending => Poll::Pending,
            },
            WaiterState::Woken => {
                node.complete();
                Poll::Ready(())
            }
            WaiterState::Done => panic!("acquire future polled after completion"),
            WaiterState::Idle => unreachable!("an idle node is polled by `poll_acquire`"),
        }
    }

    /// For a poll that has just taken the lock (its node `Done`): drops what it no longer needs
    /// (wakers: user code). Should that panic, the lock is released, so the unwinding poll loses
    /// nothing.
    #[inline]
    fn then_drop<W>(&self, wakers: W) {
        let taken = OnUnwind(|| self.unlock());
        drop(wakers);
        taken.disarm();
    }

    /// Cancels an acquire whose node is `node` (called from the future's `Drop`): unlinks it,
    /// and passes the lock on if it had been handed to it.
    #[inline]
    pub(crate) fn cancel_acquire(&self, node: Pin<&Waiter>) {
        if matches!(node.state(), WaiterState::Queued | WaiterState::Woken) {
            self.cancel_slow(node);
        }
    }

    #[cold]
    fn cancel_slow(&self, node: Pin<&Waiter>) {
        if self.limit() != 0 {
            return self.cancel_bounded(node);
        }
        let mut q = self.list.lock();
        let (state, _, waker) = q.remove(node);
        match state {
            // Handed the lock: hand it on.
            WaiterState::Woken => self.hand_off(q),
            // The lock is held by someone else (never free while anyone waits); if nobody else
            // waits now, say so. With `QUEUED` set only mutex holders change the word.
            WaiterState::Queued if q.is_empty() => {
                self.state.store(0, Ordering::Release);
                drop(q);
            }
            _ => drop(q),
        }
        drop(waker);
    }
}

impl core::fmt::Debug for RawLock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawLock")
            .field("locked", &self.is_locked())
            .field("waiters", &self.waiters())
            .finish()
    }
}
