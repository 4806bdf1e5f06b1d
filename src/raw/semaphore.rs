//! [`RawSemaphore`], the core of `Semaphore` and `BoundedSemaphore`: the available permits in an
//! atomic word for the paths that never wait, and a wait list with FIFO hand-off for the rest.
//! The bounded-bypass policy is in [`bounded`], resizing and the deficit in [`resize`].
//!
//! | word bits | name | meaning |
//! |---|---|---|
//! | 0 | `QUEUED` | someone waits: a waiter is queued, or granted and not resumed yet |
//! | 1 | `DEFICIT` | the count is a deficit, permits owed: none is available (see [`resize`]) |
//! | 2.. | `ONE` × count | the available permits, or with `DEFICIT` the permits owed |
//!
//! - The flags change only under the mutex, and while either is set the whole word changes only
//!   under the mutex, so the fast paths (which need both clear) never race the slow ones.
//! - While a waiter is queued no permit sits in the word for long: a release hands its permits to
//!   the oldest waiters under the mutex, and a waiter that queues first takes whatever the word
//!   holds. So a newcomer's compare-exchange never takes a permit meant for a waiter, and
//!   `try_acquire` needs no lock.
//! - A granted waiter still counts as waiting until it resumes, as in asyncio: permits released
//!   meanwhile that no queued waiter needs stay in the word with `QUEUED` set, newcomers queue
//!   behind, and the granted waiter hands them on when it resumes or is dropped. `waiters`
//!   counts queued plus granted waiters.
//! - A request is granted in FIFO order: the oldest waiter is assigned permits as they are
//!   released, possibly in parts, and nobody behind it is served before it is complete.
//! - The primitives keep available plus held permits at most [`MAX_PERMITS`], so no addition here
//!   can overflow.

mod bounded;
mod resize;

use core::pin::Pin;
use core::task::{Context, Poll};

use super::OnUnwind;
use crate::Fairness;
use crate::loom::{AtomicU32, AtomicUsize, Ordering};
use crate::waitlist::{Locked, MAX_VALUE, Spare, WaitList, Waiter, WaiterState};

const QUEUED: usize = 1;
const DEFICIT: usize = 2;
/// Either flag: the word is not a plain count, so the fast paths leave it to the mutex holders.
const FLAGS: usize = QUEUED | DEFICIT;
const ONE: usize = 4;

/// The largest number of permits a semaphore can hold.
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;
const _: () = assert!(MAX_PERMITS <= MAX_VALUE);
// A count of permits, or a deficit, fits beside the flags.
const _: () = assert!(MAX_PERMITS <= usize::MAX / ONE);

/// The permits available in the word `cur`: none while it records a deficit.
#[inline]
fn permits(cur: usize) -> usize {
    if cur & DEFICIT != 0 { 0 } else { cur / ONE }
}

/// The core of a semaphore.
pub(crate) struct RawSemaphore {
    state: AtomicUsize,
    /// The queued waiters; its config is the bypass bound, 0 for strict FIFO.
    list: WaitList<u32>,
    /// Queued waiters plus granted ones that have not resumed (asyncio's `_waiters`). Raised
    /// under the mutex, lowered under it or, by a granted waiter's owner, without it.
    waiters: AtomicU32,
    /// The bounded policy: how many times the oldest waiter has been bypassed. Changed only
    /// under the mutex.
    bypassed: AtomicU32,
}

impl RawSemaphore {
    crate::loom::const_fn! {
        pub(crate) fn new(permits: usize, fairness: Fairness) -> Self {
            assert!(permits <= MAX_PERMITS);
            RawSemaphore {
                state: AtomicUsize::new(permits * ONE),
                list: WaitList::with_config(fairness.limit()),
                waiters: AtomicU32::new(0),
                bypassed: AtomicU32::new(0),
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

    pub(crate) fn available(&self) -> usize {
        permits(self.state.load(Ordering::Acquire))
    }

    /// Queued waiters plus granted ones that have not resumed.
    pub(crate) fn waiters(&self) -> usize {
        self.waiters.load(Ordering::Relaxed) as usize
    }

    /// Whether an acquire of one permit would wait: none available, or someone waiting first (and,
    /// under the bounded policy, already bypassed as often as allowed).
    pub(crate) fn locked(&self) -> bool {
        let cur = self.state.load(Ordering::Acquire);
        permits(cur) == 0
            || (cur & QUEUED != 0
                && (self.limit() == 0 || self.bypassed.load(Ordering::Relaxed) >= self.limit()))
    }

    /// Whether nobody is queued or granted and not resumed. Under the mutex `true` is stable:
    /// only mutex holders add waiters.
    fn no_waiters(&self) -> bool {
        self.waiters.load(Ordering::Acquire) == 0
    }

    /// Queues `node` for `need` more permits, counting it as a waiter.
    fn enqueue(
        &self,
        q: &mut Locked<'_, u32>,
        node: Pin<&Waiter>,
        need: usize,
        waker: core::task::Waker,
    ) {
        let waiters = self.waiters.load(Ordering::Relaxed);
        assert!(
            waiters < u32::MAX,
            "more than u32::MAX waiters on one semaphore"
        );
        // `Release`, read by `stop_waiting`: an owner that sees this waiter in the count also
        // sees the permit word as it was when the waiter queued, so it cannot miss permits held
        // back for it.
        self.waiters.fetch_add(1, Ordering::Release);
        q.push_back(node, need, waker);
    }

    /// For the owner of a granted node, or the canceller of a node: stops counting it. Returns
    /// how many were counted before, this one included. `Acquire`: see `enqueue`.
    fn stop_waiting(&self) -> u32 {
        self.waiters.fetch_sub(1, Ordering::AcqRel)
    }

    /// Takes `n` permits if they are available and nobody is waiting.
    #[inline]
    pub(crate) fn try_acquire_fast(&self, n: usize) -> bool {
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if cur & FLAGS != 0 || cur / ONE < n {
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

    /// The primitives' `try_acquire`: takes `n` permits if nobody waits or, under the bounded
    /// policy, if the oldest waiter may be bypassed.
    #[inline]
    pub(crate) fn try_acquire(&self, n: usize) -> bool {
        self.try_acquire_fast(n) || self.try_acquire_slow(n)
    }

    #[cold]
    fn try_acquire_slow(&self, n: usize) -> bool {
        // Nothing to take, so nobody to overtake.
        n == 0 || (self.limit() != 0 && self.try_bypass(n))
    }

    /// Adds `n` permits: to the atomic when nobody waits and nothing is owed, otherwise to the
    /// deficit first, then to the waiters in FIFO order.
    #[inline]
    pub(crate) fn release(&self, n: usize) {
        let mut cur = self.state.load(Ordering::Relaxed);
        while cur & FLAGS == 0 {
            debug_assert!(cur / ONE + n <= MAX_PERMITS, "permit count overflow");
            match self.state.compare_exchange_weak(
                cur,
                cur + n * ONE,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        self.release_queued(n);
    }

    #[inline(never)]
    fn release_queued(&self, n: usize) {
        self.release_locked(self.list.lock(), n);
    }

    /// A release of `n` permits under the mutex, by the policy's rules.
    fn release_locked<'a>(&'a self, q: Locked<'a, u32>, n: usize) {
        if self.limit() != 0 {
            return self.release_bounded(q, n);
        }
        self.release_with(q, n, false);
    }

    /// Adds `n` permits under the mutex: they repay the deficit first, then go to the oldest
    /// waiters; keeps `QUEUED` in step, then unlocks and wakes whoever was granted, in batches.
    /// With `drain` it also hands out the permits held back in the word: asyncio does that when
    /// an acquire returns or is cancelled, while a release wakes only as many waiters as it adds
    /// permits. Every change to the list that may free permits ends here.
    fn release_with<'a>(&'a self, q: Locked<'a, u32>, n: usize, drain: bool) {
        // Before the first batch only: a deficit recorded between batches is repaid by what is
        // left once the list is served (`settle`), as if this release had completed first.
        let mut rem = self.repay(n);
        self.list.wake_batched(q, |q, wakers| {
            if drain && !q.is_empty() {
                // `QUEUED` is set, so only we change the word: take whatever permits it holds
                // (none while it records a deficit).
                rem += self.take_held_back();
            }
            while rem > 0 && !wakers.is_full() {
                match q.front_value() {
                    None => break,
                    Some(need) if need <= rem => {
                        rem -= need;
                        wakers.push(q.grant_front());
                        self.bypassed.store(0, Ordering::Relaxed);
                    }
                    Some(need) => {
                        q.set_front_value(need - rem);
                        rem = 0;
                    }
                }
            }
            if q.is_empty() {
                self.settle(rem);
                return false;
            }
            rem > 0
        });
    }

    /// With `QUEUED` set, under the mutex: takes the permits held back in the word (none while it
    /// records a deficit).
    fn take_held_back(&self) -> usize {
        let avail = self.available();
        if avail > 0 {
            // `QUEUED` is set, so only we change the word.
            self.state.store(QUEUED, Ordering::Release);
        }
        avail
    }

    /// With the list empty: adds `rem` permits to the word (repaying the deficit first), and
    /// clears `QUEUED` unless a granted waiter is still counted (then the permits wait there for
    /// it to hand them on).
    fn settle(&self, rem: usize) {
        let rem = self.repay(rem);
        let queued = if self.no_waiters() { 0 } else { QUEUED };
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            // With a deficit left, `rem` is 0 and the deficit stays as it is.
            let next = ((cur & !QUEUED) + rem * ONE) | queued;
            if cur & FLAGS != 0 {
                // Nobody else changes the word while a flag is set.
                self.state.store(next, Ordering::Release);
                return;
            }
            match self
                .state
                .compare_exchange(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Polls a request for `n` permits whose node is `node`. `Ready` means the permits are the
    /// caller's.
    #[inline]
    pub(crate) fn poll_acquire(
        &self,
        node: Pin<&Waiter>,
        n: usize,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        if node.state() == WaiterState::Idle {
            if self.try_acquire_fast(n) {
                node.complete();
                return Poll::Ready(());
            }
            return self.poll_idle_slow(node, n, cx);
        }
        self.poll_acquire_slow(node, n, cx)
    }

    /// A request's first poll, after the fast path failed. Only a dispatch, so that neither
    /// policy pays for the other's stack frame (the callgrind gate measures these paths).
    #[inline(never)]
    fn poll_idle_slow(&self, node: Pin<&Waiter>, n: usize, cx: &mut Context<'_>) -> Poll<()> {
        if n == 0 {
            // Nothing to wait for: a request for no permits never queues, whoever waits.
            node.complete();
            return Poll::Ready(());
        }
        if self.limit() != 0 {
            return self.poll_idle_bounded(node, n, cx);
        }
        self.poll_idle_fifo(node, n, cx)
    }

    #[inline(never)]
    fn poll_idle_fifo(&self, node: Pin<&Waiter>, n: usize, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_idle::<false>(node, n, cx)
    }

    /// Polls a request that is not idle: queued, granted, or done.
    fn poll_acquire_slow(&self, node: Pin<&Waiter>, n: usize, cx: &mut Context<'_>) -> Poll<()> {
        match node.state() {
            WaiterState::Queued if self.limit() != 0 => self.poll_queued_bounded(node, n, cx),
            WaiterState::Queued => match self.list.poll_waiter(node, cx) {
                Poll::Ready(()) => {
                    self.resume_granted(node, n);
                    Poll::Ready(())
                }
                Poll::Pending => Poll::Pending,
            },
            WaiterState::Woken => {
                self.resume_granted(node, n);
                Poll::Ready(())
            }
            WaiterState::Done => panic!("acquire future polled after completion"),
            WaiterState::Idle => unreachable!("an idle node is polled by `poll_acquire`"),
        }
    }

    /// A request's first poll after the fast path failed: takes the permits if nobody waits
    /// (or, with `BOUNDED`, if it may bypass the waiters), otherwise queues. A const parameter,
    /// so that the FIFO path carries nothing of the bounded policy.
    #[inline(always)]
    fn poll_idle<const BOUNDED: bool>(
        &self,
        node: Pin<&Waiter>,
        n: usize,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        // Cloned before locking: a waker's clone may run arbitrary code.
        let waker = cx.waker().clone();
        let mut q = self.list.lock();
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            let avail = permits(cur);
            if cur & QUEUED == 0 {
                let (next, need) = if avail >= n {
                    (cur - n * ONE, 0)
                } else {
                    // Queue, taking what is available as a first part (keeping any deficit).
                    ((cur - avail * ONE) | QUEUED, n - avail)
                };
                match self
                    .state
                    .compare_exchange(cur, next, Ordering::AcqRel, Ordering::Acquire)
                {
                    Ok(_) if need == 0 => break,
                    Ok(_) => {
                        self.enqueue(&mut q, node, need, waker);
                        return Poll::Pending;
                    }
                    Err(actual) => cur = actual,
                }
            } else if BOUNDED && self.bypass(&q, cur, n) {
                break;
            } else if self.no_waiters() {
                // Nobody queued or granted: the last granted waiter has resumed and is on its
                // way to clear `QUEUED`. Only we change the word now.
                if avail >= n {
                    self.state.store((avail - n) * ONE, Ordering::Release);
                    break;
                }
                // Keeps `QUEUED` and any deficit.
                self.state.store(cur - avail * ONE, Ordering::Release);
                self.enqueue(&mut q, node, n - avail, waker);
                return Poll::Pending;
            } else {
                // Behind everyone; any permits held back go to the waiters first.
                self.enqueue(&mut q, node, n, waker);
                return Poll::Pending;
            }
        }
        drop(q);
        node.complete();
        self.then_drop(n, waker);
        Poll::Ready(())
    }

    /// The owner of a granted node takes its `n` permits, stops counting as a waiter, and hands
    /// on what was held back for it: asyncio's "wake up as many as are allowed" when an acquire
    /// returns.
    #[inline]
    fn resume_granted(&self, node: Pin<&Waiter>, n: usize) {
        // Done before anything else: the node no longer owns the permits, this frame does.
        node.complete();
        let before = self.stop_waiting();
        let cur = self.state.load(Ordering::Acquire);
        if cur & QUEUED != 0 && (before == 1 || permits(cur) > 0) {
            // The hand-on wakes others, which may panic: then the permits are given back.
            let taken = OnUnwind(|| self.release(n));
            let q = self.list.lock();
            if self.limit() != 0 {
                self.release_bounded(q, 0);
            } else {
                self.release_with(q, 0, true);
            }
            taken.disarm();
        }
    }

    /// For a poll that has just taken `n` permits (its node `Done`): drops wakers it no longer
    /// needs, which is user code. Should that panic, the permits are given back, so the
    /// unwinding poll loses nothing.
    #[inline]
    fn then_drop<W>(&self, n: usize, wakers: W) {
        let taken = OnUnwind(|| self.release(n));
        drop(wakers);
        taken.disarm();
    }

    /// Cancels a request for `n` permits whose node is `node` (called from the future's `Drop`):
    /// unlinks it and passes on whatever it had been assigned, so nothing is lost.
    #[inline]
    pub(crate) fn cancel_acquire(&self, node: Pin<&Waiter>, n: usize) {
        if matches!(node.state(), WaiterState::Queued | WaiterState::Woken) {
            self.cancel_queued(node, n);
        }
    }

    #[cold]
    fn cancel_queued(&self, node: Pin<&Waiter>, n: usize) {
        if self.limit() != 0 {
            return self.cancel_bounded(node, n);
        }
        self.cancel::<false>(node, n);
    }

    #[inline(always)]
    fn cancel<const BOUNDED: bool>(&self, node: Pin<&Waiter>, n: usize) {
        let mut q = self.list.lock();
        if BOUNDED && q.is_front(node) {
            // A new oldest waiter, not bypassed yet.
            self.bypassed.store(0, Ordering::Relaxed);
        }
        let (state, still_needed, waker) = q.remove(node);
        // Dropped last, after the wake-ups below, quietly should one of them panic.
        let waker = Spare(waker);
        let owned = match state {
            WaiterState::Queued => {
                self.stop_waiting();
                n - still_needed
            }
            WaiterState::Woken => {
                self.stop_waiting();
                n
            }
            WaiterState::Idle | WaiterState::Done => 0,
        };
        if owned == 0 && !q.is_empty() && permits(self.state.load(Ordering::Relaxed)) == 0 {
            // Still queued behind others, nothing assigned and nothing held back or left open:
            // the list and `QUEUED` are as they should be.
            drop(q);
        } else if BOUNDED {
            self.release_bounded(q, owned);
        } else {
            self.release_with(q, owned, true);
        }
        drop(waker);
    }
}

impl core::fmt::Debug for RawSemaphore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawSemaphore")
            .field("available", &self.available())
            .field("deficit", &self.deficit())
            .field("waiters", &self.waiters())
            .finish()
    }
}
