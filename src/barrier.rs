//! [`Barrier`]: asyncio's `Barrier`, a meeting point for a fixed number of tasks, reused cycle
//! after cycle.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker, ready};

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

use std::time::Duration;

use crate::blocking::{block_on, block_on_timeout};
use crate::loom::{AtomicUsize, Ordering};
use crate::waitlist::{Locked, MAX_VALUE, Spare, WaitList, Waiter, WaiterState};

/// asyncio's four phases, in the low two bits of `Barrier::state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Arrivals are counted and wait for the cycle to fill.
    Filling,
    /// The cycle tripped; new arrivals wait, uncounted, until every released task has left.
    Draining,
    /// `reset` broke the cycle; new arrivals wait until the tasks inside have left.
    Resetting,
    /// `abort` broke the barrier; arrivals fail until `reset`.
    Broken,
}

const PHASE_MASK: usize = 0b11;
/// One arrival waiting in the filling cycle, in `Barrier::state` above the phase.
const ARRIVAL: usize = 0b100;

/// The value of a queued node: an arrival counted in the filling cycle, or, for an arrival that
/// came while the barrier drained or reset, the `Barrier::notified` count of that time (odd, so
/// never `ARRIVED`).
const ARRIVED: usize = 0;

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Filling => "filling",
            Phase::Draining => "draining",
            Phase::Resetting => "resetting",
            Phase::Broken => "broken",
        }
    }
}

/// asyncio's `Barrier`: `parties` tasks wait until all of them have arrived, then all go on
/// together, and the barrier is ready for the next cycle.
///
/// A cycle goes through asyncio's phases: *filling* (arrivals are counted and wait), then, once
/// the last party arrives, *draining* (the released tasks leave; newcomers wait, uncounted, until
/// all of them have), then filling again. [`reset`](Barrier::reset) sends the tasks inside
/// [`BrokenBarrier`] and *resets* (newcomers wait until those tasks have left);
/// [`abort`](Barrier::abort) *breaks* the barrier until the next `reset`.
///
/// | asyncio | aiosync |
/// |---|---|
/// | `barrier = asyncio.Barrier(n)` | `let barrier = Barrier::new(n);` |
/// | `i = await barrier.wait()` / `async with barrier as i:` | `let i = barrier.wait().await?.index();` |
/// | `BrokenBarrierError` | `Err(BrokenBarrier)` |
/// | `await barrier.reset()` / `await barrier.abort()` | `barrier.reset()` / `barrier.abort()` (they never wait in asyncio either) |
/// | `barrier.parties` / `barrier.n_waiting` / `barrier.broken` | `parties()` / `n_waiting()` / `is_broken()` |
/// | — | `is_leader()`: exactly one task per cycle, the one whose arrival tripped it |
///
/// # Fairness
///
/// Arrivals are served in order. The arrival that trips the barrier completes at once, with index
/// `parties - 1`; the tasks that were waiting are woken in arrival order and get the indices
/// `0..parties - 1` in that order. As in asyncio, a released task's outcome is decided when it
/// next runs: if [`reset`](Barrier::reset) or [`abort`](Barrier::abort) came in between, it gets
/// [`BrokenBarrier`]. Newcomers that wait while a cycle drains or resets are woken, in arrival
/// order, at every point where asyncio's barrier notifies its condition: when it trips, is reset
/// or aborted, and when the last task inside leaves. As in asyncio, each checks the phase when it
/// next runs: it arrives if the drain or reset has ended, and otherwise waits again, behind the
/// tasks already waiting. A newcomer has no priority over a task that arrives before it runs.
///
/// # Cancel safety
///
/// [`wait`](Barrier::wait) is cancel-safe, and stricter than asyncio about it:
///
/// - **Dropped while the barrier fills**, the arrival is retracted at once: [`n_waiting`] drops
///   and the cycle still needs `parties` live arrivals. Indices stay unique and dense, because
///   they are given out when the barrier trips, in the order of the arrivals still waiting.
///   asyncio differs on both points: it lowers its count only when the cancelled task next runs,
///   so an arrival in between can trip the barrier one task short, and it can give a later
///   arrival the index of a task still waiting (CPython gh-155233).
/// - **Dropped after the barrier tripped**, before it was polled again, it only loses its own
///   result: the others keep theirs, the barrier is not broken, and the drop counts as leaving,
///   so the drain still ends. Its index is not given to anyone else.
/// - **Dropped while waiting for a drain or reset to end**, woken or not, it just leaves: it was
///   not counted, and every waiting newcomer is woken on its own.
///
/// # Examples
///
/// ```
/// use aiosync::Barrier;
///
/// # futures_executor::block_on(async {
/// let barrier = Barrier::new(3);
/// let task = || async { barrier.wait().await.unwrap() };
/// let (a, b, c) = futures_util::join!(task(), task(), task());
///
/// let mut indices = [a.index(), b.index(), c.index()];
/// indices.sort();
/// assert_eq!(indices, [0, 1, 2]);
/// assert_eq!([a, b, c].iter().filter(|r| r.is_leader()).count(), 1);
/// # });
/// ```
///
/// Only [`wait`](Barrier::wait) returns a future; as in asyncio, the barrier itself cannot be
/// awaited:
///
/// ```compile_fail
/// # futures_executor::block_on(async {
/// aiosync::Barrier::new(1).await; // error: `Barrier` is not a future
/// # });
/// ```
///
/// [`n_waiting`]: Barrier::n_waiting
pub struct Barrier {
    parties: usize,
    /// The phase, and the counted arrivals not yet woken (linked `ARRIVED` nodes) in
    /// `ARRIVAL`s. Changed only under the wait list's mutex; read without it for snapshots.
    state: AtomicUsize,
    /// Counted waiters that were woken (released, reset or aborted) and have not left yet.
    /// Accessed only under the wait list's mutex.
    released: AtomicUsize,
    /// The index the next waiter released by the current trip gets. Accessed only under the
    /// queue's mutex.
    next_index: AtomicUsize,
    /// How many times asyncio's barrier would have called `notify_all` (at a trip, `reset`,
    /// `abort` and the last exit), counted in odd numbers that wrap within a node's value. Each
    /// call wakes the newcomers queued before it. Accessed only under the wait list's mutex.
    notified: AtomicUsize,
    /// Every waiting task in arrival order: `ARRIVED` nodes of the filling cycle and newcomers.
    /// Every phase change is a notify, and between two notifies only one kind can queue, so the
    /// nodes a notify wakes are always a prefix of the wait list.
    waiters: WaitList,
}

impl Barrier {
    crate::loom::const_fn! {
        /// Creates a barrier for `parties` tasks. A `const fn`, so a barrier can be a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// let barrier = aiosync::Barrier::new(4);
        /// assert_eq!(barrier.parties(), 4);
        /// assert_eq!(barrier.n_waiting(), 0);
        /// ```
        ///
        /// # Panics
        ///
        /// If `parties` is 0 (asyncio's `ValueError('parties must be >= 1')`).
        pub fn new(parties: usize) -> Self {
            assert!(parties >= 1, "Barrier::new: parties must be >= 1");
            Barrier {
                parties,
                state: AtomicUsize::new(pack(Phase::Filling, 0)),
                released: AtomicUsize::new(0),
                next_index: AtomicUsize::new(0),
                notified: AtomicUsize::new(1),
                waiters: WaitList::new(),
            }
        }
    }

    /// How many tasks each cycle needs.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(aiosync::Barrier::new(2).parties(), 2);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// How many tasks wait in the filling cycle (a snapshot, taken without locking). Outside the
    /// filling phase it is 0, as in asyncio: tasks released by a trip, or waiting for a drain or
    /// reset to end, are not counted.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::task::{Context, Waker};
    /// use std::future::Future;
    ///
    /// let barrier = aiosync::Barrier::new(2);
    /// let mut wait = pin!(barrier.wait());
    /// assert!(wait.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
    /// assert_eq!(barrier.n_waiting(), 1);
    /// ```
    pub fn n_waiting(&self) -> usize {
        let (phase, arrived) = unpack(self.state.load(Ordering::Acquire));
        if phase == Phase::Filling { arrived } else { 0 }
    }

    /// Whether [`abort`](Barrier::abort) broke the barrier (and no [`reset`](Barrier::reset)
    /// came since). asyncio's `broken`.
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = aiosync::Barrier::new(2);
    /// barrier.abort();
    /// assert!(barrier.is_broken());
    /// barrier.reset();
    /// assert!(!barrier.is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        self.phase() == Phase::Broken
    }

    /// Waits until `parties` tasks have called `wait`, then completes for all of them. asyncio's
    /// `await barrier.wait()`.
    ///
    /// The task arrives when the future is first polled. While a previous cycle drains or resets,
    /// it waits for that to end before it arrives. Each task of a cycle gets its own
    /// [`index`](BarrierWaitResult::index), and the one whose arrival tripped the barrier is the
    /// [leader](BarrierWaitResult::is_leader).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see the [type-level notes](Barrier#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let barrier = aiosync::Barrier::new(1);
    /// let result = barrier.wait().await.unwrap();
    /// assert_eq!(result.index(), 0);
    /// assert!(result.is_leader());
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`BrokenBarrier`] if the barrier is broken when the task arrives, or is reset or aborted
    /// while the task is inside it (waiting, or released but not yet run).
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            barrier: self,
            counted: false,
            node: Waiter::new(),
        }
    }

    /// Blocks the current thread in [`wait`](Barrier::wait), for synchronous code sharing the
    /// barrier with async code: same wait list, same order, same guarantees.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let barrier = Arc::new(aiosync::Barrier::new(2));
    /// let b = barrier.clone();
    /// let thread = std::thread::spawn(move || b.wait_blocking().unwrap().index());
    /// # futures_executor::block_on(async {
    /// let mine = barrier.wait().await.unwrap().index();
    /// assert_eq!(mine + thread.join().unwrap(), 1); // indices 0 and 1
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`wait`](Barrier::wait).
    pub fn wait_blocking(&self) -> Result<BarrierWaitResult, BrokenBarrier> {
        block_on(self.wait())
    }

    /// Like [`wait_blocking`](Barrier::wait_blocking), but gives up after `timeout`: `None` if
    /// the barrier did not trip in time. A wait that times out is retracted exactly as a dropped
    /// [`wait`](Barrier::wait) future is: the cycle still needs `parties` live arrivals.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let barrier = aiosync::Barrier::new(2);
    /// assert!(barrier.wait_blocking_timeout(Duration::from_millis(10)).is_none());
    /// assert_eq!(barrier.n_waiting(), 0); // retracted
    /// ```
    ///
    /// # Errors
    ///
    /// As [`wait`](Barrier::wait), inside the `Some`.
    pub fn wait_blocking_timeout(
        &self,
        timeout: Duration,
    ) -> Option<Result<BarrierWaitResult, BrokenBarrier>> {
        block_on_timeout(self.wait(), timeout)
    }

    /// Sends [`BrokenBarrier`] to every task inside the barrier, and makes it usable again once
    /// they have all left (at once if none is inside). asyncio's `await barrier.reset()`.
    ///
    /// The tasks inside are those waiting in the filling cycle and those released by a trip that
    /// have not run since. Until they have left, the barrier is *resetting*: newcomers wait,
    /// uncounted. A reset also ends [`abort`](Barrier::abort)'s broken state.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let barrier = aiosync::Barrier::new(2);
    /// let (first, ()) = futures_util::join!(barrier.wait(), async { barrier.reset() });
    /// assert!(first.is_err()); // it was waiting when the barrier was reset
    /// assert!(!barrier.is_broken());
    /// # });
    /// ```
    pub fn reset(&self) {
        let q = self.waiters.lock();
        let (_, arrived) = unpack(self.state.load(Ordering::Relaxed));
        let inside = arrived + self.released.load(Ordering::Relaxed);
        let phase = if inside > 0 {
            Phase::Resetting
        } else {
            Phase::Filling
        };
        self.set_state(phase, arrived);
        self.notify_all(q);
    }

    /// Breaks the barrier: every task inside it, and every later arrival, gets [`BrokenBarrier`]
    /// until [`reset`](Barrier::reset). asyncio's `await barrier.abort()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let barrier = aiosync::Barrier::new(2);
    /// barrier.abort();
    /// assert_eq!(barrier.wait().await, Err(aiosync::BrokenBarrier));
    /// # });
    /// ```
    pub fn abort(&self) {
        let q = self.waiters.lock();
        let (_, arrived) = unpack(self.state.load(Ordering::Relaxed));
        self.set_state(Phase::Broken, arrived);
        self.notify_all(q);
    }

    fn phase(&self) -> Phase {
        unpack(self.state.load(Ordering::Acquire)).0
    }

    /// Under the wait list's mutex.
    fn set_state(&self, phase: Phase, arrived: usize) {
        self.state.store(pack(phase, arrived), Ordering::Release);
    }

    /// A task arrives (its node is idle): under the lock, it fails, trips the barrier, or queues.
    fn arrive(
        &self,
        node: Pin<&Waiter>,
        counted: &mut bool,
        cx: &mut Context<'_>,
    ) -> Poll<Result<BarrierWaitResult, BrokenBarrier>> {
        // Cloned before locking, so that no user code runs under the mutex; dropped after it.
        let waker = cx.waker().clone();
        let mut q = self.waiters.lock();
        let (phase, arrived) = unpack(self.state.load(Ordering::Relaxed));
        match phase {
            Phase::Broken => {
                drop(q);
                node.complete();
                Poll::Ready(Err(BrokenBarrier))
            }
            Phase::Draining | Phase::Resetting => {
                let notified = self.notified.load(Ordering::Relaxed);
                q.push_back(node, notified, waker);
                *counted = false;
                Poll::Pending
            }
            Phase::Filling if arrived + 1 < self.parties => {
                q.push_back(node, ARRIVED, waker);
                self.set_state(Phase::Filling, arrived + 1);
                *counted = true;
                Poll::Pending
            }
            Phase::Filling => {
                // The last party: trip. Marked done first, so that a waker panicking in `wake`
                // cannot make the future arrive a second time.
                node.complete();
                if arrived > 0 {
                    self.set_state(Phase::Draining, arrived);
                    self.next_index.store(0, Ordering::Relaxed);
                }
                // With one party nobody else is inside: the barrier stays filling. The waker is
                // not needed: dropped after the wake-ups, quietly should one of them panic.
                let waker = Spare(Some(waker));
                self.notify_all(q);
                drop(waker);
                Poll::Ready(Ok(BarrierWaitResult {
                    index: self.parties - 1,
                    leader: true,
                }))
            }
        }
    }

    /// A counted task whose node was woken leaves: its outcome is decided now, by the phase.
    fn leave(&self, node: Pin<&Waiter>) -> Result<BarrierWaitResult, BrokenBarrier> {
        let index = node.woken_value();
        let q = self.waiters.lock();
        // Still draining means no reset or abort since the trip that released it: the phase
        // cannot become filling again while this task is inside.
        let result = match unpack(self.state.load(Ordering::Relaxed)).0 {
            Phase::Draining => Ok(BarrierWaitResult {
                index,
                leader: false,
            }),
            _ => Err(BrokenBarrier),
        };
        node.complete();
        self.released.fetch_sub(1, Ordering::Relaxed);
        self.reopen_if_empty(q);
        result
    }

    /// After a counted task left: once nobody is inside, a drain or reset ends, and, as asyncio's
    /// last exit does, every waiting task is notified.
    fn reopen_if_empty<'a>(&'a self, q: Locked<'a>) {
        let (phase, arrived) = unpack(self.state.load(Ordering::Relaxed));
        if arrived > 0 || self.released.load(Ordering::Relaxed) > 0 {
            return;
        }
        if matches!(phase, Phase::Draining | Phase::Resetting) {
            self.set_state(Phase::Filling, 0);
        }
        self.notify_all(q);
    }

    /// asyncio's `notify_all`, after a change of state: wakes every task waiting now, counted
    /// arrivals once the cycle no longer fills, and the newcomers, which check the phase again
    /// when they run.
    fn notify_all<'a>(&'a self, q: Locked<'a>) {
        let notified = self.notified.load(Ordering::Relaxed);
        self.notified
            .store((notified + 2) & MAX_VALUE, Ordering::Relaxed);
        self.wake(q);
    }

    /// Whether the oldest waiter must be woken in the current state: a counted arrival once the
    /// cycle tripped or broke, a newcomer if a notify came after it queued.
    fn must_wake(&self, q: &Locked<'_>) -> bool {
        match q.front_value() {
            None => false,
            Some(ARRIVED) => unpack(self.state.load(Ordering::Relaxed)).0 != Phase::Filling,
            Some(queued_at) => queued_at != self.notified.load(Ordering::Relaxed),
        }
    }

    /// Wakes, oldest first, every waiter the current state lets go, in batches, each after the
    /// lock is released; the state is read again for each batch. A waker that panics does not
    /// stop the others, and its panic is re-raised once all were woken.
    fn wake<'a>(&'a self, q: Locked<'a>) {
        self.waiters.wake_batched(q, |q, wakers| {
            while !wakers.is_full() && self.must_wake(q) {
                wakers.push(self.grant_front(q));
            }
            self.must_wake(q)
        });
    }

    /// Unlinks the oldest waiter. A counted arrival moves from waiting to released, and, if the
    /// cycle tripped, gets the next index: so indices follow the order of the arrivals still
    /// waiting at the trip. A newcomer is just woken to check again.
    fn grant_front(&self, q: &mut Locked<'_>) -> Option<Waker> {
        if q.front_value() == Some(ARRIVED) {
            let (phase, arrived) = unpack(self.state.load(Ordering::Relaxed));
            self.set_state(phase, arrived - 1);
            self.released.fetch_add(1, Ordering::Relaxed);
            if phase == Phase::Draining {
                q.set_front_value(self.next_index.fetch_add(1, Ordering::Relaxed));
            }
        }
        q.grant_front()
    }
}

const fn pack(phase: Phase, arrived: usize) -> usize {
    (arrived * ARRIVAL) | phase as usize
}

fn unpack(state: usize) -> (Phase, usize) {
    let phase = match state & PHASE_MASK {
        0 => Phase::Filling,
        1 => Phase::Draining,
        2 => Phase::Resetting,
        _ => Phase::Broken,
    };
    (phase, state / ARRIVAL)
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("state", &format_args!("{}", self.phase().name()))
            .field(
                "waiting",
                &format_args!("{}/{}", self.n_waiting(), self.parties),
            )
            .finish()
    }
}

/// What [`Barrier::wait`] returns to each task of a cycle that passed the barrier.
///
/// # Examples
///
/// ```
/// # futures_executor::block_on(async {
/// let barrier = aiosync::Barrier::new(2);
/// let (a, b) = futures_util::join!(barrier.wait(), barrier.wait());
/// let (a, b) = (a.unwrap(), b.unwrap());
/// assert_eq!((a.index(), b.index()), (0, 1)); // in arrival order
/// assert!(!a.is_leader() && b.is_leader()); // b's arrival tripped the barrier
/// # });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BarrierWaitResult {
    index: usize,
    leader: bool,
}

impl BarrierWaitResult {
    /// The task's place in its cycle, in `0..parties`: asyncio's return value of `wait()`. The
    /// indices of a cycle are unique; they follow arrival order, counting only the arrivals still
    /// waiting when the barrier tripped, so they are dense too unless a released task's wait was
    /// dropped before it ran (its index then goes unused).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let barrier = aiosync::Barrier::new(1);
    /// assert_eq!(barrier.wait().await.unwrap().index(), 0);
    /// # });
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Whether this task's arrival tripped the barrier: true for exactly one task per cycle,
    /// whose [`index`](BarrierWaitResult::index) is `parties - 1`. That task completes without
    /// waiting, so no cancellation can lose the leader. Rust only (tokio's `is_leader`).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let barrier = aiosync::Barrier::new(1);
    /// assert!(barrier.wait().await.unwrap().is_leader());
    /// # });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

/// The barrier was aborted, or reset while the task was inside it: asyncio's
/// `BrokenBarrierError`. asyncio words it "Barrier aborted" for an arrival at a broken barrier
/// and "Abort or reset of barrier" for a task already inside; both are this one error here.
///
/// # Examples
///
/// ```
/// let barrier = aiosync::Barrier::new(2);
/// barrier.abort();
/// let err = barrier.wait_blocking().unwrap_err();
/// assert_eq!(err.to_string(), "barrier aborted or reset");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BrokenBarrier;

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("barrier aborted or reset")
    }
}

impl std::error::Error for BrokenBarrier {}

pin_project! {
    /// The future returned by [`Barrier::wait`].
    ///
    /// Dropping it before it completes is safe: see
    /// [`Barrier`'s cancel safety](Barrier#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_core::FusedFuture;
    ///
    /// # futures_executor::block_on(async {
    /// let barrier = aiosync::Barrier::new(1);
    /// let mut wait = std::pin::pin!(barrier.wait());
    /// assert!(wait.as_mut().await.is_ok());
    /// assert!(wait.is_terminated());
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Wait<'a> {
        barrier: &'a Barrier,
        // Whether `node` is, or was, an arrival counted in a filling cycle (`ARRIVED`) rather
        // than a newcomer waiting for a drain or reset to end.
        counted: bool,
        #[pin]
        node: Waiter,
    }

    impl PinnedDrop for Wait<'_> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let node = this.node.as_ref();
            let barrier = *this.barrier;
            let state = node.state();
            if !*this.counted {
                // A newcomer was not counted: leaving the wait list is all there is to do.
                if state == WaiterState::Queued {
                    drop(barrier.waiters.leave(node));
                }
                return;
            }
            match state {
                WaiterState::Queued => {
                    let mut q = barrier.waiters.lock();
                    let (state, _, waker) = q.remove(node);
                    // Dropped after the wake-ups of `reopen_if_empty`, quietly should one panic.
                    let waker = Spare(waker);
                    if state == WaiterState::Queued {
                        // Retracted: no longer waiting in the cycle.
                        let (phase, arrived) = unpack(barrier.state.load(Ordering::Relaxed));
                        barrier.set_state(phase, arrived - 1);
                    } else {
                        // Released meanwhile: leaves like a task that ran.
                        barrier.released.fetch_sub(1, Ordering::Relaxed);
                    }
                    barrier.reopen_if_empty(q);
                    drop(waker);
                }
                WaiterState::Woken => {
                    let q = barrier.waiters.lock();
                    barrier.released.fetch_sub(1, Ordering::Relaxed);
                    barrier.reopen_if_empty(q);
                }
                WaiterState::Idle | WaiterState::Done => {}
            }
        }
    }
}

impl Future for Wait<'_> {
    type Output = Result<BarrierWaitResult, BrokenBarrier>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let node = this.node.as_ref();
        let barrier = *this.barrier;
        loop {
            match node.state() {
                WaiterState::Idle => return barrier.arrive(node, this.counted, cx),
                WaiterState::Queued => ready!(barrier.waiters.poll_waiter(node, cx)),
                WaiterState::Woken if *this.counted => return Poll::Ready(barrier.leave(node)),
                // A newcomer woken by a notify: check the phase again.
                WaiterState::Woken => node.rearm(),
                WaiterState::Done => panic!("`Wait` polled after completion"),
            }
        }
    }
}

impl FusedFuture for Wait<'_> {
    fn is_terminated(&self) -> bool {
        self.node.state() == WaiterState::Done
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("state", &self.node.state())
            .finish()
    }
}

// A waker that panics finds the Barrier consistent: every state change is committed before user
// code runs. Only the wait list's `UnsafeCell` keeps these from being automatic.
impl std::panic::UnwindSafe for Barrier {}
impl std::panic::RefUnwindSafe for Barrier {}
