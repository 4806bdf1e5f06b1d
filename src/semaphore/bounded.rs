//! [`BoundedSemaphore`]: asyncio's semaphore whose count never rises above its initial value.

use super::OverRelease;
use super::counter::Counter;
#[cfg(doc)]
use super::{Semaphore, SemaphorePermit};

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
}

impl Default for BoundedSemaphore {
    /// asyncio's default: one permit, bound one.
    fn default() -> Self {
        BoundedSemaphore::new(1)
    }
}
