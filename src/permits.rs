//! The permit counter shared by `Lock`, `Semaphore` and `BoundedSemaphore`: an atomic word for
//! the uncontended paths, and a [`WaitQueue`] with direct FIFO hand-off for the rest.
//!
//! `state` holds the available permits shifted left by one, and `QUEUED` in bit 0.
//!
//! * `QUEUED` is set while the queue is non-empty, and (with `HOLD`) while a waiter granted its
//!   permits has not yet resumed. It changes only under the queue mutex, and while it is set the
//!   whole word changes only under the mutex, so the fast paths (which need it clear) never race
//!   the slow ones.
//! * While the queue is non-empty no permit sits in the atomic: a release hands its permits to the
//!   oldest waiters under the mutex, and a waiter that queues first takes whatever the atomic
//!   holds. So a newcomer's compare-exchange can never take a permit meant for a waiter (no
//!   barging), and `try_acquire` needs no lock.
//! * With `HOLD` (the semaphores, as asyncio's), a granted waiter still counts as waiting until it
//!   resumes: permits released meanwhile that no queued waiter needs stay in the atomic with
//!   `QUEUED` set, newcomers queue behind, and the granted waiter hands them on when it resumes or
//!   is dropped. A `Lock` has nothing to hold back (its one permit is the lock the waiter was
//!   handed), so it skips that bookkeeping.
//! * A request is granted in FIFO order: the oldest waiter is assigned permits as they are
//!   released, possibly in parts, and nobody behind it is served before it is complete.
//! * The callers keep available plus held permits at most [`MAX_PERMITS`], so no addition here
//!   can overflow.
//!
//! Under the bounded-bypass policy ([`Fairness::Bounded`]) the rules above hold with two
//! exceptions, both decided under the mutex:
//!
//! * A release may leave its permits in the atomic while waiters are queued (an open release), if
//!   the oldest waiter has been bypassed fewer than `limit` times. It then takes the oldest
//!   waiter's waker (without unlinking it) when the permits cover its request, so the waiter polls
//!   and takes them itself unless someone else has. Once the count reaches `limit`, releases hand
//!   permits to the oldest waiter directly, as under FIFO, taking those left in the atomic too.
//! * A newcomer may take permits from the atomic while waiters are queued (a bypass), counted in
//!   `bypassed`, only while that count is below `limit`. The count belongs to the current oldest
//!   waiter: it is reset whenever that waiter leaves the head, granted, served or cancelled.
//!
//! So the oldest waiter is bypassed at most `limit` times, and whenever the atomic holds enough
//! permits for it while it is queued, its waker has been taken: no wake-up is lost.
//!
//! A `Lock` under the bounded policy keeps the count in its word instead, so that a bypass, and
//! a release while the oldest waiter is already woken, are one compare-exchange each rather than
//! a trip through the mutex (which would cost about what the hand-off saves):
//!
//! * While `QUEUED` is set, the word also holds `NOTIFIED` (the oldest waiter's waker has been
//!   taken, so it will poll) and, in units of `BYPASS`, the oldest waiter's bypass count. Both
//!   are 0 while `QUEUED` is clear.
//! * Without the mutex, only two changes are made while `QUEUED` is set: a bypass takes `ONE`
//!   and adds `BYPASS` while the count is below `limit`, and the holder's release sets `ONE`
//!   when `NOTIFIED` is set and the count is below `limit`. So `ONE` with `QUEUED` implies a
//!   count below `limit`, and a free lock always has an oldest waiter that will poll.
//! * While the lock is held (`ONE` clear) only its holder and mutex holders change the word, so
//!   the holder, with the mutex, may store it. A mutex holder that does not hold the lock uses
//!   compare-exchange.

use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::Fairness;
use crate::loom::{AtomicU32, AtomicUsize, Ordering};
use crate::queue::{Locked, MAX_VALUE, Panic, WaitQueue, Waiter, WaiterState, WakeList, wake};

const QUEUED: usize = 1;
const ONE: usize = 2;
/// A `Lock` under the bounded policy only, with `QUEUED`: the oldest waiter's waker was taken.
const NOTIFIED: usize = 4;
/// A `Lock` under the bounded policy only, with `QUEUED`: one bypass of the oldest waiter.
const BYPASS: usize = 8;
/// The largest bound a `Lock` can count to in its word (below `u32::MAX` only on 32-bit targets).
const MAX_LOCK_BYPASSES: usize = usize::MAX / BYPASS;

/// The largest number of permits a semaphore can hold.
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;
const _: () = assert!(MAX_PERMITS <= MAX_VALUE);

pub(crate) struct RawSemaphore<const HOLD: bool> {
    state: AtomicUsize,
    pub(crate) queue: WaitQueue<HOLD>,
    /// How many times the oldest waiter may be bypassed; 0 for strict FIFO. Never changes.
    limit: u32,
    /// How many times the oldest waiter has been bypassed (the semaphores; a `Lock` keeps it in
    /// `state`). Changed only under the queue mutex.
    bypassed: AtomicU32,
}

impl<const HOLD: bool> RawSemaphore<HOLD> {
    crate::loom::const_fn! {
        pub(crate) fn new(permits: usize, fairness: Fairness) -> Self {
            assert!(permits <= MAX_PERMITS);
            RawSemaphore {
                state: AtomicUsize::new(permits * ONE),
                queue: WaitQueue::new(),
                limit: match fairness {
                    Fairness::Fifo => 0,
                    // A `Lock` counts in its word, above three bits: on a 32-bit target that
                    // holds fewer than `u32::MAX` bypasses.
                    Fairness::Bounded(limit) if !HOLD && limit as usize > MAX_LOCK_BYPASSES => {
                        MAX_LOCK_BYPASSES as u32
                    }
                    Fairness::Bounded(limit) => limit,
                },
                bypassed: AtomicU32::new(0),
            }
        }
    }

    /// Waiters queued, plus (with `HOLD`) granted waiters that have not resumed.
    pub(crate) fn waiters(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn fairness(&self) -> Fairness {
        match self.limit {
            0 => Fairness::Fifo,
            limit => Fairness::Bounded(limit),
        }
    }

    pub(crate) fn available(&self) -> usize {
        let permits = self.state.load(Ordering::Acquire) / ONE;
        // A `Lock`'s word may hold a bypass count above its permit.
        if HOLD { permits } else { permits & 1 }
    }

    /// Whether an acquire of one permit would wait: none available, or someone waiting first (and,
    /// under the bounded policy, already bypassed as often as allowed).
    pub(crate) fn locked(&self) -> bool {
        let cur = self.state.load(Ordering::Acquire);
        cur < ONE
            || (cur & QUEUED != 0
                && (self.limit == 0 || self.bypassed.load(Ordering::Relaxed) >= self.limit))
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
            self.unlock_queued();
        }
    }

    /// A Lock's hand-off: the permit goes straight to the oldest waiter. One waker, no batch, and
    /// nothing left to finish if it panics.
    #[inline(never)]
    fn unlock_queued(&self) {
        if HOLD {
            return self.release_queued(1);
        }
        if self.limit != 0 {
            return self.lock_unlock_bounded();
        }
        self.lock_hand_off();
    }

    /// A FIFO Lock's hand-off, apart from the dispatch so that the bounded policy's paths do not
    /// pay for its stack frame.
    #[inline(never)]
    fn lock_hand_off(&self) {
        let mut q = self.queue.lock();
        if q.is_empty() {
            // The last waiter left between our compare-exchange and the lock.
            return self.release_locked(q, 1);
        }
        let waker = q.grant_front();
        if q.is_empty() {
            // The lock stays held, by the waiter it was handed to.
            self.state.store(0, Ordering::Release);
        }
        drop(q);
        wake(waker);
    }

    /// Takes `n` permits if they are available and nobody is waiting.
    #[inline]
    pub(crate) fn try_acquire_fast(&self, n: usize) -> bool {
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if cur & QUEUED != 0 || cur / ONE < n {
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
    #[inline]
    pub(crate) fn release(&self, n: usize) {
        let mut cur = self.state.load(Ordering::Relaxed);
        while cur & QUEUED == 0 {
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

    #[cold]
    #[inline(never)]
    fn release_locked<'a>(&'a self, q: Locked<'a, HOLD>, n: usize) {
        self.release_with(q, n, false);
    }

    #[inline(never)]
    fn release_queued(&self, n: usize) {
        let q = self.queue.lock();
        if self.limit != 0 {
            return self.release_bounded(q, n);
        }
        self.release_with(q, n, false);
    }

    /// A release under the bounded policy: open (the permits go to the atomic for whoever comes
    /// first) while the oldest waiter may still be bypassed, a FIFO hand-off once it may not.
    fn release_bounded<'a>(&'a self, q: Locked<'a, HOLD>, n: usize) {
        if q.is_empty() || self.bypassed.load(Ordering::Relaxed) >= self.limit {
            // The hand-off also takes the permits left open, so the oldest waiter gets them all.
            return self.release_with(q, n, true);
        }
        self.open(q, n);
    }

    /// Under the bounded policy, with `QUEUED` set: adds `n` permits to the atomic and, if the
    /// atomic now covers the oldest waiter's request, takes its waker and wakes it after
    /// unlocking. With the queue empty it settles instead.
    fn open<'a>(&'a self, mut q: Locked<'a, HOLD>, n: usize) {
        let Some(need) = q.front_value() else {
            return self.settle(&q, n);
        };
        // `QUEUED` is set, so only mutex holders change the word.
        let cur = self.state.load(Ordering::Acquire) + n * ONE;
        self.state.store(cur, Ordering::Release);
        let waker = if cur / ONE >= need {
            q.take_front_waker()
        } else {
            None
        };
        drop(q);
        wake(waker);
    }

    /// Under the bounded policy, with `QUEUED` set in `cur`: takes `n` permits ahead of the queue
    /// if they are in the atomic and the oldest waiter may still be bypassed (counting it).
    fn bypass(&self, q: &Locked<'_, HOLD>, cur: usize, n: usize) -> bool {
        if cur / ONE < n {
            return false;
        }
        if !q.is_empty() {
            // Only granted waiters that have not resumed are not bypassed: they have their share.
            let bypassed = self.bypassed.load(Ordering::Relaxed);
            if bypassed >= self.limit {
                return false;
            }
            self.bypassed.store(bypassed + 1, Ordering::Relaxed);
        }
        // `QUEUED` is set, so only mutex holders change the word.
        self.state.store(cur - n * ONE, Ordering::Release);
        true
    }

    /// The primitives' `try_acquire`: takes `n` permits if nobody waits or, under the bounded
    /// policy, if the oldest waiter may be bypassed.
    #[inline]
    pub(crate) fn try_acquire(&self, n: usize) -> bool {
        let taken = if !HOLD && n == 1 {
            self.try_lock()
        } else {
            self.try_acquire_fast(n)
        };
        taken || self.try_bypass(n)
    }

    /// `try_acquire` after its fast path failed.
    #[cold]
    fn try_bypass(&self, n: usize) -> bool {
        if n == 0 {
            // Nothing to take, so nobody to overtake.
            return true;
        }
        if self.limit == 0 {
            return false;
        }
        if !HOLD {
            return self.lock_bypass();
        }
        let q = self.queue.lock();
        let cur = self.state.load(Ordering::Acquire);
        if cur & QUEUED == 0 {
            // Nobody waits any more.
            drop(q);
            return self.try_acquire_fast(n);
        }
        self.bypass(&q, cur, n)
    }

    /// Adds `n` permits under the queue lock, hands them to the oldest waiters, keeps `QUEUED` in
    /// step with the queue, then unlocks and wakes whoever was granted, in batches. With `drain`
    /// it also hands out the permits held back in the atomic: asyncio does that when an acquire
    /// returns or is cancelled, while a release wakes only as many waiters as it adds permits.
    /// Every change to the queue that may free permits ends here. A waker that panics does not
    /// stop it: every permit is handed out or settled, then the first panic is re-raised.
    fn release_with<'a>(&'a self, mut q: Locked<'a, HOLD>, n: usize, drain: bool) {
        let mut rem = n;
        let mut wakers = WakeList::new();
        let mut panic = Panic::default();
        loop {
            if drain && !q.is_empty() {
                // `QUEUED` is set, so only we change the word: take whatever it holds.
                rem += self.state.swap(QUEUED, Ordering::AcqRel) / ONE;
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
            let done = rem == 0 || q.is_empty();
            if q.is_empty() {
                self.settle(&q, rem);
            }
            drop(q);
            wakers.wake_all(&mut panic);
            if done {
                break;
            }
            // More permits than one batch of wakers: go on with a fresh batch.
            q = self.queue.lock();
        }
        panic.finish();
    }

    /// With the queue empty: adds `rem` permits to the atomic, and clears `QUEUED` unless a
    /// granted waiter is still held (then the permits wait there for it to hand them on).
    fn settle(&self, q: &Locked<'_, HOLD>, rem: usize) {
        let queued = if !HOLD || q.no_waiters() { 0 } else { QUEUED };
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            let next = ((cur & !QUEUED) + rem * ONE) | queued;
            if cur & QUEUED != 0 {
                // Nobody else changes the word while `QUEUED` is set.
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

    /// Polls a request for `n` permits whose queue node is `node`. `Ready` means the permits are
    /// the caller's.
    #[inline]
    pub(crate) fn poll_acquire(
        &self,
        node: Pin<&Waiter>,
        n: usize,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        if node.state() == WaiterState::Idle {
            // A Lock's one permit: a single compare-exchange.
            let taken = if !HOLD && n == 1 {
                self.try_lock()
            } else {
                self.try_acquire_fast(n)
            };
            if taken {
                node.complete();
                return Poll::Ready(());
            }
            return self.poll_idle_slow(node, n, cx);
        }
        self.poll_acquire_slow(node, n, cx)
    }

    /// A request's first poll, after the fast path failed. Only a dispatch, so that neither
    /// policy pays for the other's stack frame.
    #[inline(never)]
    fn poll_idle_slow(&self, node: Pin<&Waiter>, n: usize, cx: &mut Context<'_>) -> Poll<()> {
        if n == 0 {
            // Nothing to wait for: a request for no permits never queues, whoever waits.
            node.complete();
            return Poll::Ready(());
        }
        if self.limit != 0 {
            return if HOLD {
                self.poll_idle_bounded(node, n, cx)
            } else {
                self.lock_poll_idle(node, cx)
            };
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
            WaiterState::Idle => self.poll_idle_slow(node, n, cx),
            WaiterState::Queued if self.limit != 0 && HOLD => self.poll_queued_bounded(node, n, cx),
            WaiterState::Queued if self.limit != 0 => self.lock_poll_queued(node, cx),
            WaiterState::Queued => match self.queue.poll_waiter(node, cx) {
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
        let mut q = self.queue.lock();
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            let avail = cur / ONE;
            if cur & QUEUED == 0 {
                let (next, need) = if avail >= n {
                    (cur - n * ONE, 0)
                } else {
                    // Queue, taking what is available as a first part.
                    (QUEUED, n - avail)
                };
                match self
                    .state
                    .compare_exchange(cur, next, Ordering::AcqRel, Ordering::Acquire)
                {
                    Ok(_) if need == 0 => break,
                    Ok(_) => {
                        q.push_back(node, need, waker);
                        return Poll::Pending;
                    }
                    Err(actual) => cur = actual,
                }
            } else if BOUNDED && self.bypass(&q, cur, n) {
                break;
            } else if HOLD && q.no_waiters() {
                // Nobody queued or held: the last granted waiter has resumed and is on its way
                // to clear `QUEUED`. Only we change the word now.
                if avail >= n {
                    self.state.store((avail - n) * ONE, Ordering::Release);
                    break;
                }
                self.state.store(QUEUED, Ordering::Release);
                q.push_back(node, n - avail, waker);
                return Poll::Pending;
            } else {
                // Behind everyone; any permits held back go to the waiters first.
                q.push_back(node, n, waker);
                return Poll::Pending;
            }
        }
        drop(q);
        node.complete();
        self.then_drop(n, waker);
        Poll::Ready(())
    }

    #[inline(never)]
    fn poll_idle_bounded(&self, node: Pin<&Waiter>, n: usize, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_idle::<true>(node, n, cx)
    }

    /// Polls a queued request under the bounded policy: the waiter takes the permits from the
    /// atomic if it is the oldest and they cover what it still needs; otherwise it makes sure it
    /// will be woken.
    #[cold]
    fn poll_queued_bounded(&self, node: Pin<&Waiter>, n: usize, cx: &mut Context<'_>) -> Poll<()> {
        let mut fresh = None;
        loop {
            let mut q = self.queue.lock();
            if node.state() != WaiterState::Queued {
                drop(q);
                // Still `Woken` if this panics: the future's drop passes the grant on.
                drop(fresh);
                self.resume_granted(node, n);
                return Poll::Ready(());
            }
            let cur = self.state.load(Ordering::Acquire);
            if q.is_front(node) && q.front_value().is_some_and(|need| cur / ONE >= need) {
                let (_, need, waker) = q.remove(node);
                self.bypassed.store(0, Ordering::Relaxed);
                // `QUEUED` is set, so only mutex holders change the word.
                self.state.store(cur - need * ONE, Ordering::Release);
                node.complete();
                // The next oldest waiter may find enough for it too. Its waker and ours are user
                // code: should one panic, the permits are given back.
                let taken = Taken { sem: self, n };
                self.open(q, 0);
                drop((waker, fresh));
                taken.keep();
                return Poll::Ready(());
            }
            if let Some(poll) = Self::keep_waiting(q, node, cx, &mut fresh) {
                return poll;
            }
        }
    }

    /// For a queued node that polled and was not served: makes sure its stored waker wakes
    /// `cx`'s task. `None` if the mutex had to be released to clone the waker (into `fresh`):
    /// the caller starts again, since anything may have changed meanwhile.
    fn keep_waiting(
        mut q: Locked<'_, HOLD>,
        node: Pin<&Waiter>,
        cx: &mut Context<'_>,
        fresh: &mut Option<Waker>,
    ) -> Option<Poll<()>> {
        let old = match fresh.take() {
            None if q.will_wake(node, cx.waker()) => return Some(Poll::Pending),
            None => {
                // Cloned outside the lock: a waker's clone may run arbitrary code.
                drop(q);
                *fresh = Some(cx.waker().clone());
                return None;
            }
            Some(waker) => q.set_waker(node, waker),
        };
        drop(q);
        drop(old);
        Some(Poll::Pending)
    }

    /// A `Lock`'s bypass under the bounded policy (see the module notes): takes the lock if it is
    /// free and either nobody waits or the oldest waiter may be bypassed once more.
    fn lock_bypass(&self) -> bool {
        let limit = self.limit as usize;
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

    /// A `Lock`'s first poll under the bounded policy, after the fast path failed: bypasses if it
    /// may, otherwise queues.
    #[inline(never)]
    fn lock_poll_idle(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        if self.lock_bypass() {
            node.complete();
            return Poll::Ready(());
        }
        self.lock_queue(node, cx)
    }

    #[inline(never)]
    fn lock_queue(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        // Cloned before locking: a waker's clone may run arbitrary code.
        let waker = cx.waker().clone();
        let mut q = self.queue.lock();
        loop {
            // A release may have come since: try again, now that `QUEUED` cannot change.
            if self.lock_bypass() {
                drop(q);
                node.complete();
                self.then_drop(1, waker);
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

    /// A queued `Lock` waiter's poll under the bounded policy: granted by a forced hand-off, or
    /// the oldest waiter taking the free lock, or waiting again.
    #[cold]
    fn lock_poll_queued(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        let mut fresh = None;
        loop {
            let mut q = self.queue.lock();
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
                                self.then_drop(1, (waker, fresh));
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
            if let Some(poll) = Self::keep_waiting(q, node, cx, &mut fresh) {
                return poll;
            }
        }
    }

    /// A `Lock`'s release under the bounded policy, after the fast path failed.
    #[inline(never)]
    fn lock_unlock_bounded(&self) {
        let limit = self.limit as usize;
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
        self.lock_release_locked(self.queue.lock());
    }

    /// The holder of a `Lock` under the bounded policy releases it with the mutex held, so the
    /// word is stable: a forced hand-off once the oldest waiter's count is used up, otherwise the
    /// lock is left free and the oldest waiter woken.
    #[inline(never)]
    fn lock_release_locked<'a>(&'a self, mut q: Locked<'a, HOLD>) {
        let cur = self.state.load(Ordering::Acquire);
        let (next, waker) = if q.is_empty() {
            (ONE, None)
        } else if cur / BYPASS >= self.limit as usize {
            let waker = q.grant_front();
            (if q.is_empty() { 0 } else { QUEUED }, waker)
        } else {
            (cur | ONE | NOTIFIED, q.take_front_waker())
        };
        self.state.store(next, Ordering::Release);
        drop(q);
        wake(waker);
    }

    /// Cancels a queued `Lock` acquire under the bounded policy.
    #[inline(never)]
    fn lock_cancel_bounded(&self, node: Pin<&Waiter>) {
        let mut q = self.queue.lock();
        let was_front = q.is_front(node);
        let (state, _, waker) = q.remove(node);
        match state {
            // Granted by a forced hand-off: it holds the lock, and releases it.
            WaiterState::Woken => self.lock_release_locked(q),
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

    /// The owner of a granted node takes its `n` permits. With `HOLD` it stops counting as a
    /// waiter, and hands on what was held back for it: asyncio's "wake up as many as are allowed"
    /// when an acquire returns.
    #[inline]
    fn resume_granted(&self, node: Pin<&Waiter>, n: usize) {
        // Done before anything else: the node no longer owns the permits, this frame does.
        node.complete();
        if HOLD {
            let before = self.queue.release_held();
            let cur = self.state.load(Ordering::Acquire);
            if cur & QUEUED != 0 && (before == 1 || cur >= ONE) {
                // The hand-on wakes others, which may panic: then the permits are given back.
                let taken = Taken { sem: self, n };
                let q = self.queue.lock();
                if self.limit != 0 {
                    self.release_bounded(q, 0);
                } else {
                    self.release_with(q, 0, true);
                }
                taken.keep();
            }
        }
    }

    /// For a poll that has just taken `n` permits (its node `Done`): drops wakers it no longer
    /// needs, which is user code. Should that panic, the permits are given back, so the
    /// unwinding poll loses nothing.
    #[inline]
    fn then_drop<W>(&self, n: usize, wakers: W) {
        let taken = Taken { sem: self, n };
        drop(wakers);
        taken.keep();
    }

    /// Returns `n` permits taken by a poll that unwound before its caller got them.
    #[cold]
    fn give_back(&self, n: usize) {
        if HOLD { self.release(n) } else { self.unlock() }
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
        if self.limit != 0 {
            return if HOLD {
                self.cancel_bounded(node, n)
            } else {
                self.lock_cancel_bounded(node)
            };
        }
        self.cancel::<false>(node, n);
    }

    #[inline(never)]
    fn cancel_bounded(&self, node: Pin<&Waiter>, n: usize) {
        self.cancel::<true>(node, n);
    }

    #[inline(always)]
    fn cancel<const BOUNDED: bool>(&self, node: Pin<&Waiter>, n: usize) {
        let mut q = self.queue.lock();
        if BOUNDED && q.is_front(node) {
            // A new oldest waiter, not bypassed yet.
            self.bypassed.store(0, Ordering::Relaxed);
        }
        let (state, still_needed, waker) = q.remove(node);
        let owned = match state {
            WaiterState::Queued => n - still_needed,
            WaiterState::Woken => {
                if HOLD {
                    self.queue.release_held();
                }
                n
            }
            WaiterState::Idle | WaiterState::Done => 0,
        };
        if owned == 0
            && !q.is_empty()
            && ((!HOLD && !BOUNDED) || self.state.load(Ordering::Relaxed) < ONE)
        {
            // Still queued behind others, nothing assigned and nothing held back or left open:
            // the queue and `QUEUED` are as they should be.
            drop(q);
        } else if BOUNDED {
            self.release_bounded(q, owned);
        } else {
            self.release_with(q, owned, true);
        }
        drop(waker);
    }
}

/// Permits a poll has taken (its node is `Done`) while it still runs user code before returning
/// them to its caller. Dropped by unwinding, it gives them back; [`keep`](Taken::keep) disarms it.
struct Taken<'a, const HOLD: bool> {
    sem: &'a RawSemaphore<HOLD>,
    n: usize,
}

impl<const HOLD: bool> Taken<'_, HOLD> {
    #[inline]
    fn keep(self) {
        core::mem::forget(self);
    }
}

impl<const HOLD: bool> Drop for Taken<'_, HOLD> {
    fn drop(&mut self) {
        self.sem.give_back(self.n);
    }
}

impl<const HOLD: bool> core::fmt::Debug for RawSemaphore<HOLD> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawSemaphore")
            .field("available", &self.available())
            .field("waiters", &self.queue.len())
            .finish()
    }
}
