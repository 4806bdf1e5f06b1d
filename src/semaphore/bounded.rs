//! [`BoundedSemaphore`]: asyncio's semaphore whose count never rises above its bound.

use super::counter::Counter;
use super::{MAX_PERMITS, OverRelease};
#[cfg(doc)]
use super::{Semaphore, SemaphorePermit};

/// asyncio's `BoundedSemaphore`: a [`Semaphore`] whose count can never rise above its initial
/// value, its bound (which [`set_bound`](BoundedSemaphore::set_bound) can move).
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
    /// The bound: the initial number of permits, or the last set by
    /// [`set_bound`](Self::set_bound), which the count never exceeds.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(aiosync::BoundedSemaphore::new(5).bound(), 5);
    /// ```
    pub fn bound(&self) -> usize {
        self.0.bound()
    }

    /// Changes the bound, and the capacity with it, at once.
    ///
    /// - Growing adds the difference as [`release_many`](Self::release_many) would: it repays
    ///   any [`deficit`](Self::deficit) first, then serves the waiters, and the rest becomes
    ///   available.
    /// - Shrinking takes available permits, and records what it could not take as a deficit,
    ///   which the next permits released repay before any waiter is served or any permit
    ///   becomes available. Held permits are never revoked, and a waiter already granted its
    ///   permits keeps them.
    ///
    /// From then on [`release`](Self::release) is checked against the new bound: once the
    /// deficit is repaid, the permits in circulation and the available ones never exceed
    /// `bound()`. `set_bound(0)` is allowed: acquires then wait until the bound grows again.
    /// A request already queued for more permits than the new bound waits until it grows
    /// enough; [`acquire_many`](Self::acquire_many) above the current bound fails at once, as
    /// always.
    ///
    /// The whole change is one step with respect to every acquire, release, cancellation and
    /// hand-off, and concurrent calls apply one after the other.
    ///
    /// # Fairness
    ///
    /// Growing serves the waiters by the same rules as a release, under the semaphore's
    /// [`fairness`](Self::fairness): in FIFO order (the oldest request complete before anyone
    /// behind it is served), or left open to bypass within the policy's bound. A deficit holds
    /// every waiter back until it is repaid.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::BoundedSemaphore::new(2);
    /// let both = sem.try_acquire_many(2).unwrap();
    /// sem.set_bound(1); // nothing available to take: one is owed
    /// assert_eq!((sem.bound(), sem.deficit()), (1, 1));
    /// drop(both); // one repays the deficit, one becomes available
    /// assert_eq!(sem.available_permits(), 1);
    /// assert!(sem.release().is_err()); // checked against the new bound
    /// sem.set_bound(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    ///
    /// # Panics
    ///
    /// If `bound` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS); nothing changes then.
    pub fn set_bound(&self, bound: usize) {
        assert!(
            bound <= MAX_PERMITS,
            "semaphore bound above MAX_PERMITS ({MAX_PERMITS})"
        );
        self.0.set_bound(bound);
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
}

impl Default for BoundedSemaphore {
    /// asyncio's default: one permit, bound one.
    fn default() -> Self {
        BoundedSemaphore::new(1)
    }
}
