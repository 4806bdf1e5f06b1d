//! [`Semaphore`]: asyncio's semaphore, with no bound but `MAX_PERMITS`.

use std::sync::Arc;
use std::time::Duration;

use super::counter::{Counter, UNBOUNDED};
use super::{
    Acquire, AcquireOwned, AnySemaphore, MAX_PERMITS, OverRelease, OwnedSemaphorePermit,
    SemaphorePermit, TooManyPermits,
};
use crate::Fairness;
use crate::blocking::{block_on, block_on_timeout};

/// asyncio's `Semaphore`: a counter of permits that tasks acquire and release, waiting in FIFO
/// order while none is available.
///
/// [`acquire`](Semaphore::acquire) returns a [`SemaphorePermit`] that releases its permit when
/// dropped. asyncio's manual style, `acquire()` now and `release()` later, maps to
/// [`SemaphorePermit::forget`] followed by [`Semaphore::release`].
///
/// # Fairness
///
/// Strictly first-in, first-out by default (see [`with_fairness`](Semaphore::with_fairness) and
/// [`Fairness`] for the bounded-bypass policy): acquires complete in the order they started
/// waiting. A released
/// permit goes directly to the oldest waiter, which owns it before it even runs (as CPython
/// reserves it at wake-up). A newcomer's [`acquire`](Semaphore::acquire) or
/// [`try_acquire`](Semaphore::try_acquire) never takes a permit while anyone waits, and, as in
/// asyncio, a waiter that was granted its permits but has not resumed yet still counts: spare
/// permits released meanwhile wait for it, newcomers queue behind it, and when it resumes (or is
/// dropped) it hands the spare permits to the queued waiters in FIFO order.
///
/// # Cancel safety
///
/// [`acquire`](Semaphore::acquire) is cancel-safe: dropping the [`Acquire`] future gives up its
/// place in the queue, and a permit already handed to it goes to the next waiter (or back to the
/// count).
///
/// # Examples
///
/// ```
/// use aiosync::Semaphore;
///
/// # futures_executor::block_on(async {
/// let sem = Semaphore::new(2);
/// let a = sem.acquire().await;
/// let b = sem.acquire().await;
/// assert!(sem.locked());
/// drop(a);
/// assert_eq!(sem.available_permits(), 1);
/// # drop(b);
/// # });
/// ```
pub struct Semaphore(pub(super) Counter);

impl Semaphore {
    crate::loom::const_fn! {
        /// Creates a semaphore with `permits` permits. A `const fn`, so a semaphore can be a
        /// `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// let sem = aiosync::Semaphore::new(4);
        /// assert_eq!(sem.available_permits(), 4);
        /// ```
        ///
        /// ```
        /// static CONNECTIONS: aiosync::Semaphore = aiosync::Semaphore::new(10);
        ///
        /// let permit = CONNECTIONS.acquire_blocking();
        /// assert_eq!(CONNECTIONS.available_permits(), 9);
        /// # drop(permit);
        /// ```
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`Semaphore::MAX_PERMITS`]; [`try_new`](Semaphore::try_new)
        /// returns an error instead. In a `const` or `static` initializer that is a compile error:
        ///
        /// ```compile_fail,E0080
        /// static TOO_MANY: aiosync::Semaphore = aiosync::Semaphore::new(usize::MAX);
        /// ```
        #[doc(alias = "const_new")]
        pub fn new(permits: usize) -> Self {
            match Self::try_new(permits) {
                Ok(sem) => sem,
                Err(_) => panic!("too many permits: a semaphore can hold at most MAX_PERMITS"),
            }
        }
    }

    crate::loom::const_fn! {
        /// Creates a semaphore with `permits` permits, or fails if there are too many.
        ///
        /// # Examples
        ///
        /// ```
        /// use aiosync::Semaphore;
        /// assert!(Semaphore::try_new(Semaphore::MAX_PERMITS + 1).is_err());
        /// ```
        ///
        /// # Errors
        ///
        /// [`TooManyPermits`] if `permits` exceeds [`Semaphore::MAX_PERMITS`].
        pub fn try_new(permits: usize) -> Result<Self, TooManyPermits> {
            match Counter::new(permits, UNBOUNDED, Fairness::Fifo) {
                Ok(counter) => Ok(Semaphore(counter)),
                Err(e) => Err(e),
            }
        }
    }

    crate::loom::const_fn! {
        /// Creates a semaphore with `permits` permits that serves its waiters by `fairness`.
        /// [`new`](Semaphore::new) is `with_fairness(permits, Fairness::Fifo)`.
        ///
        /// # Fairness
        ///
        /// Under [`Fairness::Bounded`]`(k)` an acquire that does not queue may take permits
        /// ahead of the oldest waiter at most `k` times; after that, released permits are set
        /// aside for that waiter until its request is covered. See [`Fairness`].
        ///
        /// # Examples
        ///
        /// ```
        /// use aiosync::{Semaphore, Fairness};
        ///
        /// static POOL: Semaphore = Semaphore::with_fairness(8, Fairness::BOUNDED);
        /// assert_eq!(POOL.fairness(), Fairness::BOUNDED);
        /// ```
        ///
        /// # Panics
        ///
        /// As [`new`](Semaphore::new), if `permits` exceeds [`Semaphore::MAX_PERMITS`].
        pub fn with_fairness(permits: usize, fairness: Fairness) -> Self {
            match Counter::new(permits, UNBOUNDED, fairness) {
                Ok(counter) => Semaphore(counter),
                Err(_) => panic!("too many permits: a semaphore can hold at most MAX_PERMITS"),
            }
        }
    }

    /// Adds a permit, waking the oldest waiter if there is one. asyncio's `release()`: there is
    /// no upper limit and no check that the caller acquired one.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    ///
    /// # Panics
    ///
    /// If the permits in circulation (available, plus those held by live permit objects) would
    /// exceed [`Semaphore::MAX_PERMITS`]; nothing changes then. So dropping or merging permits
    /// never can.
    pub fn release(&self) {
        self.release_many(1);
    }

    /// Waits for `n` permits at once; the permit object holds all of them.
    ///
    /// The request is served in FIFO order as a whole: permits released while it is at the head
    /// of the queue are set aside for it, so smaller requests behind it cannot starve it. A
    /// request for 0 permits takes nothing and so overtakes nobody: it completes at once, even
    /// while others wait (as tokio's does).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives back any permits already set aside for it.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = aiosync::Semaphore::new(5);
    /// let three = sem.acquire_many(3).await;
    /// assert_eq!(sem.available_permits(), 2);
    /// # drop(three);
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`Semaphore::MAX_PERMITS`], since such a request could never be served.
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        self.0.check_request(n).unwrap_or_else(|e| panic!("{e}"));
        Acquire::new(&self.0, n)
    }

    /// Like [`acquire_many`](Semaphore::acquire_many), for a semaphore in an [`Arc`].
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = std::sync::Arc::new(aiosync::Semaphore::new(2));
    /// assert_eq!(sem.acquire_many_owned(2).await.num_permits(), 2);
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// As [`acquire_many`](Semaphore::acquire_many).
    pub fn acquire_many_owned(self: &Arc<Self>, n: usize) -> AcquireOwned<Self> {
        self.0.check_request(n).unwrap_or_else(|e| panic!("{e}"));
        AcquireOwned::new(self.clone(), n)
    }

    /// Blocks the current thread until `n` permits are acquired at once: the blocking form of
    /// [`acquire_many`](Semaphore::acquire_many), in the same FIFO queue.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(3);
    /// assert_eq!(sem.acquire_many_blocking(2).num_permits(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`acquire_many`](Semaphore::acquire_many).
    #[doc(alias = "blocking_acquire_many")]
    pub fn acquire_many_blocking(&self, n: usize) -> SemaphorePermit<'_> {
        block_on(self.acquire_many(n))
    }

    /// Like [`acquire_many_blocking`](Semaphore::acquire_many_blocking), but gives up after
    /// `timeout`: `None` then. Permits already set aside for the request go to the next waiters
    /// or back to the count, as when an [`acquire_many`](Semaphore::acquire_many) future is
    /// dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = aiosync::Semaphore::new(1);
    /// assert!(sem.acquire_many_blocking_timeout(2, Duration::from_millis(10)).is_none());
    /// assert_eq!(sem.available_permits(), 1); // the one it had set aside came back
    /// ```
    ///
    /// # Panics
    ///
    /// As [`acquire_many`](Semaphore::acquire_many).
    #[must_use = "if unused the permits are released at once"]
    pub fn acquire_many_blocking_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Option<SemaphorePermit<'_>> {
        block_on_timeout(self.acquire_many(n), timeout)
    }

    /// The blocking form of [`acquire_many_owned`](Semaphore::acquire_many_owned).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = std::sync::Arc::new(aiosync::Semaphore::new(2));
    /// assert_eq!(sem.acquire_many_owned_blocking(2).num_permits(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`acquire_many`](Semaphore::acquire_many).
    #[doc(alias = "blocking_acquire_many_owned")]
    pub fn acquire_many_owned_blocking(self: &Arc<Self>, n: usize) -> OwnedSemaphorePermit<Self> {
        block_on(self.acquire_many_owned(n))
    }

    /// Like [`acquire_many_owned_blocking`](Semaphore::acquire_many_owned_blocking), but gives
    /// up after `timeout`: `None` then, with nothing lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = std::sync::Arc::new(aiosync::Semaphore::new(2));
    /// let ten_ms = Duration::from_millis(10);
    /// assert!(sem.acquire_many_owned_blocking_timeout(2, ten_ms).is_some());
    /// ```
    ///
    /// # Panics
    ///
    /// As [`acquire_many`](Semaphore::acquire_many).
    #[must_use = "if unused the permits are released at once"]
    pub fn acquire_many_owned_blocking_timeout(
        self: &Arc<Self>,
        n: usize,
        timeout: Duration,
    ) -> Option<OwnedSemaphorePermit<Self>> {
        block_on_timeout(self.acquire_many_owned(n), timeout)
    }

    /// Adds `n` permits, serving waiters in FIFO order. tokio's `add_permits`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(0);
    /// sem.release_many(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    ///
    /// # Panics
    ///
    /// If the permits in circulation (available, plus those held by live permit objects) would
    /// exceed [`Semaphore::MAX_PERMITS`]; nothing changes then. So dropping or merging permits
    /// never can.
    #[doc(alias = "add_permits")]
    pub fn release_many(&self, n: usize) {
        if self.0.add_capacity(n).is_err() {
            panic!("semaphore permit count overflow: more than {MAX_PERMITS} permits");
        }
    }
}

impl Default for Semaphore {
    /// asyncio's default: one permit.
    fn default() -> Self {
        Semaphore::new(1)
    }
}

impl AnySemaphore for Semaphore {
    fn release_many(&self, n: usize) -> Result<(), OverRelease> {
        Semaphore::release_many(self, n);
        Ok(())
    }
}
