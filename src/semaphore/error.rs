//! The errors: a request for more permits than a semaphore can hold, and a release past a bound.

use core::fmt;

#[cfg(doc)]
use super::{BoundedSemaphore, Semaphore};

/// More permits than a semaphore can ever hold: above `MAX_PERMITS` for a new semaphore or a
/// [`Semaphore::acquire_many`], above the bound for a [`BoundedSemaphore::acquire_many`].
///
/// # Examples
///
/// ```
/// let err = aiosync::BoundedSemaphore::new(2).acquire_many(3).unwrap_err();
/// assert_eq!(err.to_string(), "3 permits requested from a semaphore that can hold at most 2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooManyPermits {
    pub(super) requested: usize,
    pub(super) max: usize,
}

impl fmt::Display for TooManyPermits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} permits requested from a semaphore that can hold at most {}",
            self.requested, self.max
        )
    }
}

impl TooManyPermits {
    /// How many permits were asked for.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = aiosync::BoundedSemaphore::new(2).acquire_many(3).unwrap_err();
    /// assert_eq!((err.requested(), err.max()), (3, 2));
    /// ```
    pub fn requested(&self) -> usize {
        self.requested
    }

    /// The most the semaphore can ever hold: its bound, or `MAX_PERMITS`.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = aiosync::Semaphore::try_new(usize::MAX).unwrap_err();
    /// assert_eq!(err.max(), aiosync::Semaphore::MAX_PERMITS);
    /// ```
    pub fn max(&self) -> usize {
        self.max
    }
}

impl std::error::Error for TooManyPermits {}

/// [`BoundedSemaphore::release`] would have raised the count above the bound: asyncio's
/// `ValueError('BoundedSemaphore released too many times')`.
///
/// # Examples
///
/// ```
/// let err = aiosync::BoundedSemaphore::new(1).release().unwrap_err();
/// assert_eq!(err.to_string(), "BoundedSemaphore released too many times (bound 1)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverRelease {
    pub(super) bound: usize,
}

impl fmt::Display for OverRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BoundedSemaphore released too many times (bound {})",
            self.bound
        )
    }
}

impl OverRelease {
    /// The bound of the semaphore that refused the release.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = aiosync::BoundedSemaphore::new(4).release().unwrap_err();
    /// assert_eq!(err.bound(), 4);
    /// ```
    pub fn bound(&self) -> usize {
        self.bound
    }
}

impl std::error::Error for OverRelease {}
