//! [`BoundedSemaphore`]: asyncio's semaphore whose count never rises above its initial value.

use std::sync::Arc;
use std::time::Duration;

#[cfg(doc)]
use super::Semaphore;
use super::counter::Counter;
use super::{
    Acquire, AcquireOwned, AnySemaphore, OverRelease, OwnedSemaphorePermit, SemaphorePermit,
    TooManyPermits,
};
use crate::Fairness;
use crate::blocking::{block_on, block_on_timeout};

/// asyncio's `BoundedSemaphore`: a [`Semaphore`] whose count can never rise above its initial
/// value.
///
/// Permits returned by dropping a [`SemaphorePermit`] can never exceed the bound, so the only
/// way to try is an explicit [`release`](BoundedSemaphore::release), which returns
/// [`OverRelease`] instead of raising the count (asyncio's `ValueError`).
///
/// # Fairness
///
/// As for [`Semaphore`]: strict FIFO, permits handed directly to the oldest waiter, no barging,
/// unless made with [`with_fairness`](BoundedSemaphore::with_fairness).
///
/// # Cancel safety
///
/// As for [`Semaphore`]: [`acquire`](BoundedSemaphore::acquire) is cancel-safe.
///
/// # Examples
///
/// ```
/// use aiosync::BoundedSemaphore;
///
/// # futures_executor::block_on(async {
/// let sem = BoundedSemaphore::new(1);
/// assert!(sem.release().is_err()); // already at its bound
///
/// sem.acquire().await.forget(); // asyncio's `await sem.acquire()`
/// assert!(sem.release().is_ok()); // asyncio's `sem.release()`
/// # });
/// ```
///
/// # Errors
///
/// [`release`](BoundedSemaphore::release) fails with [`OverRelease`] when the count is already at
/// the bound.
pub struct BoundedSemaphore(pub(super) Counter);

impl BoundedSemaphore {
    crate::loom::const_fn! {
        /// Creates a bounded semaphore with `permits` permits, which is also its bound. A
        /// `const fn`, so a bounded semaphore can be a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// let sem = aiosync::BoundedSemaphore::new(2);
        /// assert_eq!(sem.bound(), 2);
        /// ```
        ///
        /// ```
        /// static WORKERS: aiosync::BoundedSemaphore = aiosync::BoundedSemaphore::new(4);
        /// assert_eq!(WORKERS.bound(), 4);
        /// ```
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`BoundedSemaphore::MAX_PERMITS`];
        /// [`try_new`](BoundedSemaphore::try_new) returns an error instead. In a `const` or
        /// `static` initializer that is a compile error:
        ///
        /// ```compile_fail,E0080
        /// const TOO_MANY: aiosync::BoundedSemaphore = aiosync::BoundedSemaphore::new(usize::MAX);
        /// ```
        pub fn new(permits: usize) -> Self {
            match Self::try_new(permits) {
                Ok(sem) => sem,
                Err(_) => panic!("too many permits: a semaphore can hold at most MAX_PERMITS"),
            }
        }
    }

    crate::loom::const_fn! {
        /// Creates a bounded semaphore with `permits` permits, or fails if there are too many.
        ///
        /// # Examples
        ///
        /// ```
        /// assert!(aiosync::BoundedSemaphore::try_new(3).is_ok());
        /// ```
        ///
        /// # Errors
        ///
        /// [`TooManyPermits`] if `permits` exceeds [`BoundedSemaphore::MAX_PERMITS`].
        pub fn try_new(permits: usize) -> Result<Self, TooManyPermits> {
            match Counter::new(permits, permits, Fairness::Fifo) {
                Ok(counter) => Ok(BoundedSemaphore(counter)),
                Err(e) => Err(e),
            }
        }
    }

    crate::loom::const_fn! {
        /// Creates a bounded semaphore with `permits` permits that serves its waiters by `fairness`.
        /// [`new`](BoundedSemaphore::new) is `with_fairness(permits, Fairness::Fifo)`.
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
        /// use aiosync::{BoundedSemaphore, Fairness};
        ///
        /// static POOL: BoundedSemaphore = BoundedSemaphore::with_fairness(8, Fairness::BOUNDED);
        /// assert_eq!(POOL.fairness(), Fairness::BOUNDED);
        /// ```
        ///
        /// # Panics
        ///
        /// As [`new`](BoundedSemaphore::new), if `permits` exceeds [`BoundedSemaphore::MAX_PERMITS`].
        pub fn with_fairness(permits: usize, fairness: Fairness) -> Self {
            match Counter::new(permits, permits, fairness) {
                Ok(counter) => BoundedSemaphore(counter),
                Err(_) => panic!("too many permits: a semaphore can hold at most MAX_PERMITS"),
            }
        }
    }

    /// The bound: the initial number of permits, which the count never exceeds.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(aiosync::BoundedSemaphore::new(5).bound(), 5);
    /// ```
    pub fn bound(&self) -> usize {
        self.0.bound
    }

    /// Gives back a permit taken with [`SemaphorePermit::forget`], waking the oldest waiter if
    /// there is one. asyncio's `release()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = aiosync::BoundedSemaphore::new(1);
    /// sem.acquire().await.forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`OverRelease`] if the count is already at the bound, counting the permits that live
    /// [`SemaphorePermit`]s hold (they will come back when dropped). Nothing changes then.
    pub fn release(&self) -> Result<(), OverRelease> {
        self.release_many(1)
    }

    /// Gives back `n` forgotten permits at once, or none.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::BoundedSemaphore::new(3);
    /// sem.try_acquire_many(2).unwrap().forget();
    /// assert!(sem.release_many(3).is_err());
    /// assert!(sem.release_many(2).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`OverRelease`] if fewer than `n` permits are missing from the bound (as for
    /// [`release`](BoundedSemaphore::release)). Nothing changes then.
    #[doc(alias = "add_permits")]
    pub fn release_many(&self, n: usize) -> Result<(), OverRelease> {
        self.0.add_capacity(n).map_err(|()| OverRelease {
            bound: self.bound(),
        })
    }

    /// Waits for `n` permits at once; see [`Semaphore::acquire_many`] for the FIFO guarantee and
    /// for `n == 0`, which completes at once.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives back any permits already set aside for it.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = aiosync::BoundedSemaphore::new(2);
    /// let both = sem.acquire_many(2)?.await;
    /// assert!(sem.acquire_many(3).is_err()); // could never be served
    /// # drop(both);
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// [`TooManyPermits`], at once rather than a wait that never ends, if `n` exceeds the bound.
    pub fn acquire_many(&self, n: usize) -> Result<Acquire<'_>, TooManyPermits> {
        AnySemaphore::acquire_many(self, n)
    }

    /// Like [`acquire_many`](BoundedSemaphore::acquire_many), for a semaphore in an [`Arc`].
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = std::sync::Arc::new(aiosync::BoundedSemaphore::new(2));
    /// assert_eq!(sem.acquire_many_owned(2)?.await.num_permits(), 2);
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](BoundedSemaphore::acquire_many).
    pub fn acquire_many_owned(
        self: &Arc<Self>,
        n: usize,
    ) -> Result<AcquireOwned<Self>, TooManyPermits> {
        AnySemaphore::acquire_many_owned(self, n)
    }

    /// Blocks the current thread until `n` permits are acquired at once: the blocking form of
    /// [`acquire_many`](BoundedSemaphore::acquire_many), in the same FIFO queue.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::BoundedSemaphore::new(3);
    /// assert_eq!(sem.acquire_many_blocking(2)?.num_permits(), 2);
    /// assert!(sem.acquire_many_blocking(4).is_err()); // could never be served
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](BoundedSemaphore::acquire_many), at once.
    #[doc(alias = "blocking_acquire_many")]
    pub fn acquire_many_blocking(&self, n: usize) -> Result<SemaphorePermit<'_>, TooManyPermits> {
        Ok(block_on(self.acquire_many(n)?))
    }

    /// Like [`acquire_many_blocking`](BoundedSemaphore::acquire_many_blocking), but gives up
    /// after `timeout`: `Ok(None)` then. Permits already set aside for the request go to the
    /// next waiters or back to the count, as when an
    /// [`acquire_many`](BoundedSemaphore::acquire_many) future is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = aiosync::BoundedSemaphore::new(2);
    /// let one = sem.try_acquire().unwrap();
    /// assert!(sem.acquire_many_blocking_timeout(2, Duration::from_millis(10))?.is_none());
    /// assert_eq!(sem.available_permits(), 1);
    /// # drop(one);
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](BoundedSemaphore::acquire_many), at once.
    pub fn acquire_many_blocking_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Option<SemaphorePermit<'_>>, TooManyPermits> {
        Ok(block_on_timeout(self.acquire_many(n)?, timeout))
    }

    /// The blocking form of [`acquire_many_owned`](BoundedSemaphore::acquire_many_owned).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = std::sync::Arc::new(aiosync::BoundedSemaphore::new(2));
    /// assert_eq!(sem.acquire_many_owned_blocking(2)?.num_permits(), 2);
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](BoundedSemaphore::acquire_many), at once.
    #[doc(alias = "blocking_acquire_many_owned")]
    pub fn acquire_many_owned_blocking(
        self: &Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit<Self>, TooManyPermits> {
        Ok(block_on(self.acquire_many_owned(n)?))
    }

    /// Like [`acquire_many_owned_blocking`](BoundedSemaphore::acquire_many_owned_blocking), but
    /// gives up after `timeout`: `Ok(None)` then, with nothing lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = std::sync::Arc::new(aiosync::BoundedSemaphore::new(2));
    /// let ten_ms = Duration::from_millis(10);
    /// assert!(sem.acquire_many_owned_blocking_timeout(2, ten_ms)?.is_some());
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](BoundedSemaphore::acquire_many), at once.
    pub fn acquire_many_owned_blocking_timeout(
        self: &Arc<Self>,
        n: usize,
        timeout: Duration,
    ) -> Result<Option<OwnedSemaphorePermit<Self>>, TooManyPermits> {
        Ok(block_on_timeout(self.acquire_many_owned(n)?, timeout))
    }
}

impl Default for BoundedSemaphore {
    /// asyncio's default: one permit, bound one.
    fn default() -> Self {
        BoundedSemaphore::new(1)
    }
}

impl AnySemaphore for BoundedSemaphore {
    fn release_many(&self, n: usize) -> Result<(), OverRelease> {
        BoundedSemaphore::release_many(self, n)
    }
}
