//! The permit counter shared by `Lock`, `Condition`, `Semaphore` and `BoundedSemaphore`: an
//! atomic word for the uncontended paths, and a [`WaitQueue`] with direct FIFO hand-off for the
//! rest.
//!
//! `state` holds the available permits shifted left by one, and `QUEUED` in bit 0.
//!
//! * `QUEUED` is set exactly while the queue is non-empty, and changes only under the queue mutex.
//! * While `QUEUED` is set no permit sits in the atomic: a release hands its permits to the oldest
//!   waiters under the mutex, and a waiter that queues first takes whatever the atomic holds.
//!   So a newcomer's compare-exchange can never take a permit meant for a waiter (no barging),
//!   and `try_acquire` needs no lock.
//! * A request is granted in FIFO order: the oldest waiter is assigned permits as they are
//!   released, possibly in parts, and nobody behind it is served before it is complete.

use core::pin::Pin;
use core::task::{Context, Poll};

use crate::loom::{AtomicUsize, Ordering};
use crate::queue::{Locked, MAX_VALUE, WaitQueue, Waiter, WaiterState, WakeList};

const QUEUED: usize = 1;
const ONE: usize = 2;

/// The largest number of permits a semaphore can hold.
pub(crate) const MAX_PERMITS: usize = MAX_VALUE;

pub(crate) struct RawSemaphore {
    state: AtomicUsize,
    pub(crate) queue: WaitQueue,
}

impl RawSemaphore {
    pub(crate) fn new(permits: usize) -> Self {
        assert!(permits <= MAX_PERMITS);
        RawSemaphore {
            state: AtomicUsize::new(permits * ONE),
            queue: WaitQueue::new(),
        }
    }

    pub(crate) fn available(&self) -> usize {
        self.state.load(Ordering::Acquire) / ONE
    }

    /// Takes the only permit of a one-permit semaphore: a single compare-exchange.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.state
            .compare_exchange(ONE, 0, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Returns the only permit of a one-permit semaphore: a single compare-exchange when nobody
    /// waits.
    #[inline]
    pub(crate) fn unlock(&self) {
        if self
            .state
            .compare_exchange(0, ONE, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.release(1);
        }
    }

    /// Takes `n` permits if they are available and nobody is queued.
    #[inline]
    pub(crate) fn try_acquire(&self, n: usize) -> bool {
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            // With `QUEUED` set the count is 0, so this also refuses to barge past waiters.
            if cur / ONE < n {
                return false;
            }
            match self.state.compare_exchange_weak(
                cur,
                cur - n * ONE,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Adds `n` permits: to the atomic when nobody waits, otherwise to the waiters in FIFO order.
    ///
    /// Panics if the available count would exceed [`MAX_PERMITS`].
    #[inline]
    pub(crate) fn release(&self, n: usize) {
        let mut cur = self.state.load(Ordering::Relaxed);
        while cur & QUEUED == 0 {
            let Some(next) = total(cur / ONE, n) else {
                overflow_panic()
            };
            let next = next * ONE;
            match self
                .state
                .compare_exchange_weak(cur, next, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        self.release_queued(n);
    }

    #[inline(never)]
    fn release_queued(&self, n: usize) {
        self.release_with(self.queue.lock(), n);
    }

    /// Adds `n` permits under the queue lock, hands what is available to the oldest waiters, keeps
    /// `QUEUED` in step with the queue, then unlocks and wakes whoever was granted. Every change
    /// to the main list (a cancelled waiter, waiters moved in from a Condition) ends here.
    pub(crate) fn release_with<'a>(&'a self, mut q: Locked<'a>, n: usize) {
        let mut rem = n;
        let mut wakers = WakeList::new();
        let mut overflow = false;
        loop {
            if !q.is_empty() {
                rem += self.take_all_and_queue();
            }
            while rem > 0 && !wakers.is_full() {
                match q.front_value() {
                    None => break,
                    Some(need) if need <= rem => {
                        rem -= need;
                        wakers.push(q.wake_front());
                    }
                    Some(need) => {
                        q.set_front_value(need - rem);
                        rem = 0;
                    }
                }
            }
            if q.is_empty() {
                overflow = self.settle(rem).is_err();
                rem = 0;
            }
            drop(q);
            wakers.wake_all();
            if overflow {
                overflow_panic();
            }
            if rem == 0 {
                return;
            }
            // More permits than one batch of wakers: go on with a fresh batch.
            q = self.queue.lock();
        }
    }

    /// With the queue non-empty: makes sure `QUEUED` is set and takes any permits the atomic
    /// still holds (released while the queue was empty), to be handed to the waiters.
    fn take_all_and_queue(&self) -> usize {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if cur == QUEUED {
                return 0;
            }
            match self
                .state
                .compare_exchange(cur, QUEUED, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return cur / ONE,
                Err(actual) => cur = actual,
            }
        }
    }

    /// With the queue empty: clears `QUEUED` and puts `rem` permits into the atomic, unless that
    /// would exceed [`MAX_PERMITS`].
    fn settle(&self, rem: usize) -> Result<(), ()> {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            let next = total(cur / ONE, rem).ok_or(())? * ONE;
            match self
                .state
                .compare_exchange(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Polls a request for `n` permits whose queue node is `node`. `Ready` means the permits are
    /// the caller's.
    pub(crate) fn poll_acquire(
        &self,
        node: Pin<&Waiter>,
        n: usize,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        match node.state() {
            WaiterState::Idle => {
                if self.try_acquire(n) {
                    node.complete();
                    return Poll::Ready(());
                }
                // Cloned before locking: a waker's clone may run arbitrary code.
                let waker = cx.waker().clone();
                let mut q = self.queue.lock();
                let mut cur = self.state.load(Ordering::Acquire);
                loop {
                    let avail = cur / ONE;
                    if cur & QUEUED == 0 && avail >= n {
                        let next = cur - n * ONE;
                        match self.state.compare_exchange(
                            cur,
                            next,
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        ) {
                            Ok(_) => break,
                            Err(actual) => cur = actual,
                        }
                    } else if cur == QUEUED {
                        // Already marked and nothing to take: with `QUEUED` set the state only
                        // changes under the lock we hold, so no compare-exchange is needed.
                        q.push_back(node, n, waker);
                        return Poll::Pending;
                    } else {
                        // Queue behind everyone else, taking what is available as a first part.
                        match self.state.compare_exchange(
                            cur,
                            QUEUED,
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        ) {
                            Ok(_) => {
                                q.push_back(node, n - avail, waker);
                                return Poll::Pending;
                            }
                            Err(actual) => cur = actual,
                        }
                    }
                }
                drop(q);
                node.complete();
                Poll::Ready(())
            }
            WaiterState::Queued => match self.queue.poll_waiter(node, cx) {
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
            WaiterState::Listed => unreachable!("an acquire is never in a side list"),
            WaiterState::Done => panic!("acquire future polled after completion"),
        }
    }

    /// Cancels a request for `n` permits whose node is `node` (called from the future's `Drop`):
    /// unlinks it and passes on whatever it had been assigned, so nothing is lost.
    #[inline]
    pub(crate) fn cancel_acquire(&self, node: Pin<&Waiter>, n: usize) {
        if !matches!(node.state(), WaiterState::Idle | WaiterState::Done) {
            self.cancel_queued(node, n);
        }
    }

    #[cold]
    fn cancel_queued(&self, node: Pin<&Waiter>, n: usize) {
        match node.state() {
            WaiterState::Idle | WaiterState::Done => {}
            WaiterState::Woken => self.release(n),
            WaiterState::Queued | WaiterState::Listed => {
                let mut q = self.queue.lock();
                let owned = match q.remove(node, None) {
                    (WaiterState::Queued, still_needed) => n - still_needed,
                    (WaiterState::Woken, _) => n,
                    _ => 0,
                };
                self.release_with(q, owned);
            }
        }
    }
}

#[inline]
fn total(available: usize, n: usize) -> Option<usize> {
    available.checked_add(n).filter(|&t| t <= MAX_PERMITS)
}

#[cold]
fn overflow_panic() -> ! {
    panic!("semaphore permit count overflow: more than {MAX_PERMITS} permits")
}

impl core::fmt::Debug for RawSemaphore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawSemaphore")
            .field("available", &self.available())
            .field("waiters", &self.queue.len())
            .finish()
    }
}
