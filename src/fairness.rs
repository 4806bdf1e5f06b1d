//! [`Fairness`]: the policy a [`Lock`](crate::Lock) or semaphore serves its waiters by.

/// How a [`Lock`](crate::Lock), [`Semaphore`](crate::Semaphore) or
/// [`BoundedSemaphore`](crate::BoundedSemaphore) serves tasks that want it while others wait.
/// Chosen at construction (`with_fairness`); `new` gives [`Fifo`](Fairness::Fifo).
///
/// # Fairness
///
/// Under both policies the queued waiters are served in the order they queued: none is granted
/// the lock or permits, or takes them, before every waiter queued ahead of it has been. The
/// policies differ in what a task that is not queued may do: a newcomer, or a task that has just
/// released and acquires again.
///
/// - [`Fifo`](Fairness::Fifo), the default, is asyncio's: a release hands the lock or permits
///   straight to the oldest waiter, and nobody takes them while anyone waits. Each acquire
///   completes in the order it started waiting. Under contention every acquire waits for a
///   hand-off and costs a task switch.
/// - [`Bounded(k)`](Fairness::Bounded) lets a task that is not queued take the lock or permits
///   ahead of the waiters (*bypass* it), at most `k` times per oldest waiter. A release leaves the
///   lock or permits free and wakes the oldest waiter, and whoever gets there first takes them:
///   a task that releases and acquires again in a loop keeps running instead of switching. After
///   the oldest waiter has been bypassed `k` times, releases hand everything to it directly, as
///   under `Fifo`, until its request is served. The bound is a count, not a clock: no timer is
///   involved, and the same interleaving gives the same result.
///
/// The guarantee under `Bounded(k)`, for one waiting acquire:
///
/// - While it is the oldest waiter, at most `k` acquisitions complete ahead of it. An acquisition
///   is any acquire, `try_acquire` or [`Condition`](crate::Condition) re-acquire that takes the
///   lock or permits without queueing, whatever number of permits it takes.
/// - With `p` waiters queued ahead of it, it is overtaken by those `p`, in order, and by at most
///   `(p + 1) * k` acquisitions that did not queue: `k` during each earlier waiter's turn at the
///   head, including the turn of a waiter that is then cancelled, and `k` during its own.
/// - Once the count is used up, the Lock's next release is its hand-off, and a semaphore's
///   releases are set aside for it until its request is covered (as under `Fifo`).
///
/// `Bounded(0)` is `Fifo`. [`Fairness::BOUNDED`] is `Bounded(`[`DEFAULT_BYPASSES`]`)`, 1024.
///
/// [`DEFAULT_BYPASSES`]: Fairness::DEFAULT_BYPASSES
///
/// A task at the head of the wait list is woken when the lock is left free for it, and takes it if
/// it gets there first; otherwise it waits again. The count is per oldest waiter: it starts at 0
/// whenever a waiter reaches the head.
///
/// ## Which to pick
///
/// `Fifo` when order matters or the wait must be predictable: asyncio code being ported, a lock
/// that guards a turn-taking protocol, latency-sensitive waiters. It costs throughput when many
/// tasks take a lock for short critical sections in a loop (the lock convoys: every acquire
/// waits for the previous holder's task switch).
///
/// `Bounded` for throughput under that kind of contention: shared counters, caches, connection
/// pools, where a task that already runs should not wait for one that has to be scheduled. The
/// worst case of an acquire stays bounded by a count, unlike a lock that barges freely.
///
/// Choosing `k`: each forced hand-off costs a task switch, paid once per `k + 1` acquisitions
/// while the lock is contended, and the oldest waiter waits for at most `k` critical sections
/// of others. The default, 1024, keeps the hand-offs to a few percent of the throughput of free
/// barging when critical sections are short (on the repository's 64-task benchmark an acquire
/// of a `Lock` under `Bounded(16)` took about 1.6 times as long as under `Bounded(1024)`), while the
/// oldest waiter's wait stays at 1024 critical sections: tens of microseconds for critical
/// sections of tens of nanoseconds, where parking_lot and async-lock bound it by 0.5 ms of
/// time. With long critical sections, a smaller `k` bounds the wait in time too.
///
/// asyncio has only FIFO; `Bounded` departs from its semantics on purpose (see the README).
///
/// # Examples
///
/// ```
/// use aiosync::{Fairness, Lock, Semaphore};
///
/// static COUNTER: Lock<u64> = Lock::with_fairness(0, Fairness::BOUNDED);
/// let pool = Semaphore::with_fairness(8, Fairness::Bounded(4));
///
/// assert_eq!(COUNTER.fairness(), Fairness::BOUNDED);
/// assert_eq!(pool.fairness(), Fairness::Bounded(4));
/// assert_eq!(Lock::new(()).fairness(), Fairness::Fifo);
/// assert_eq!(Lock::with_fairness((), Fairness::Bounded(0)).fairness(), Fairness::Fifo);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Fairness {
    /// Strict first-in, first-out, as asyncio: nobody takes the lock or a permit while anyone
    /// waits.
    #[default]
    Fifo,
    /// The oldest waiter may be bypassed at most this many times before releases go to it.
    ///
    /// On a 32-bit target a [`Lock`](crate::Lock) caps it at `usize::MAX / 8` (2^29 − 1), which
    /// its [`fairness`](crate::Lock::fairness) reports; nothing else has a cap.
    Bounded(u32),
}

impl Fairness {
    /// The bypass count of [`Fairness::BOUNDED`].
    pub const DEFAULT_BYPASSES: u32 = 1024;

    /// `Bounded(DEFAULT_BYPASSES)`.
    pub const BOUNDED: Fairness = Fairness::Bounded(Self::DEFAULT_BYPASSES);

    /// The bypass bound the permit cores keep: 0 for FIFO, as `Bounded(0)` is.
    pub(crate) const fn limit(self) -> u32 {
        match self {
            Fairness::Fifo => 0,
            Fairness::Bounded(limit) => limit,
        }
    }

    /// The policy a core's kept bound stands for.
    pub(crate) const fn from_limit(limit: u32) -> Fairness {
        match limit {
            0 => Fairness::Fifo,
            limit => Fairness::Bounded(limit),
        }
    }
}
