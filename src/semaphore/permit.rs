//! The permits: [`SemaphorePermit`] borrows its semaphore, [`OwnedSemaphorePermit`] holds it in
//! an [`Arc`]. Dropping either gives its permits back.

use core::fmt;
use std::sync::Arc;

#[cfg(doc)]
use super::BoundedSemaphore;
use super::counter::Counter;
use super::{AnySemaphore, Semaphore};

/// Permits acquired from a [`Semaphore`] or [`BoundedSemaphore`]; dropping it gives them back.
///
/// # Examples
///
/// ```
/// let sem = aiosync::Semaphore::new(1);
/// let permit = sem.try_acquire().unwrap();
/// assert_eq!(sem.available_permits(), 0);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "if unused the permit is released at once"]
#[clippy::has_significant_drop]
pub struct SemaphorePermit<'a> {
    pub(super) sem: &'a Counter,
    pub(super) n: usize,
}

impl<'a> SemaphorePermit<'a> {
    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(1);
    /// assert_eq!(sem.try_acquire().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits out of circulation instead of giving them back: asyncio's
    /// `acquire()` without a matching `release()` yet. A later `release()` gives one back.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.sem.forget(core::mem::take(&mut self.n));
    }

    /// Splits `n` permits off into a new permit object, or returns `None` if this one holds
    /// fewer than `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(3);
    /// let mut three = sem.try_acquire_many(3).unwrap();
    /// let one = three.split(1).unwrap();
    /// assert_eq!((three.num_permits(), one.num_permits()), (2, 1));
    /// drop(one);
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn split(&mut self, n: usize) -> Option<SemaphorePermit<'a>> {
        self.n = self.n.checked_sub(n)?;
        Some(SemaphorePermit { sem: self.sem, n })
    }

    /// Moves the permits of `other` into this one.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(2);
    /// let mut a = sem.try_acquire().unwrap();
    /// a.merge(sem.try_acquire().unwrap());
    /// assert_eq!(a.num_permits(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// If `other` comes from a different semaphore.
    pub fn merge(&mut self, mut other: SemaphorePermit<'a>) {
        assert!(
            core::ptr::eq(self.sem, other.sem),
            "merging permits of different semaphores"
        );
        self.n += core::mem::take(&mut other.n);
    }

    /// Gives up the permits without releasing them: the caller takes them over.
    fn disarm(mut self) {
        self.n = 0;
    }
}

impl Drop for SemaphorePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.sem.release(self.n);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.n)
            .finish()
    }
}

/// Like [`SemaphorePermit`], but owning an [`Arc`] of the semaphore instead of borrowing it, so
/// it is `'static`; from `acquire_owned`. Dropping it gives the permits back.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// let sem = Arc::new(aiosync::Semaphore::new(1));
/// let permit = sem.try_acquire_owned().unwrap();
/// std::thread::spawn(move || drop(permit)).join().unwrap();
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "if unused the permit is released at once"]
#[clippy::has_significant_drop]
pub struct OwnedSemaphorePermit<S: AnySemaphore = Semaphore> {
    pub(super) sem: Arc<S>,
    pub(super) n: usize,
}

impl<S: AnySemaphore> OwnedSemaphorePermit<S> {
    /// Takes `n` permits of `sem` without waiting, as a [`SemaphorePermit`] would, and holds
    /// them with the `Arc`.
    pub(super) fn try_new(sem: &Arc<S>, n: usize) -> Option<Self> {
        sem.counter().try_acquire(n)?.disarm();
        Some(OwnedSemaphorePermit {
            sem: sem.clone(),
            n,
        })
    }

    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = std::sync::Arc::new(aiosync::Semaphore::new(1));
    /// assert_eq!(sem.try_acquire_owned().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// The semaphore the permits come from.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(aiosync::Semaphore::new(1));
    /// let permit = sem.try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(permit.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &Arc<S> {
        &self.sem
    }

    /// Keeps the permits out of circulation; see [`SemaphorePermit::forget`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = std::sync::Arc::new(aiosync::BoundedSemaphore::new(1));
    /// sem.try_acquire_owned().unwrap().forget();
    /// assert!(sem.release().is_ok());
    /// ```
    pub fn forget(mut self) {
        self.sem.counter().forget(core::mem::take(&mut self.n));
    }

    /// Splits `n` permits off into a new permit object, or returns `None` if this one holds
    /// fewer than `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = std::sync::Arc::new(aiosync::Semaphore::new(2));
    /// let mut two = sem.try_acquire_many_owned(2).unwrap();
    /// let one = two.split(1).unwrap();
    /// assert_eq!((two.num_permits(), one.num_permits()), (1, 1));
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        self.n = self.n.checked_sub(n)?;
        Some(OwnedSemaphorePermit {
            sem: self.sem.clone(),
            n,
        })
    }

    /// Moves the permits of `other` into this one.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = std::sync::Arc::new(aiosync::Semaphore::new(2));
    /// let mut a = sem.try_acquire_owned().unwrap();
    /// a.merge(sem.try_acquire_owned().unwrap());
    /// assert_eq!(a.num_permits(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// If `other` comes from a different semaphore.
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits of different semaphores"
        );
        self.n += core::mem::take(&mut other.n);
    }
}

impl<S: AnySemaphore> Drop for OwnedSemaphorePermit<S> {
    #[inline]
    fn drop(&mut self) {
        self.sem.counter().release(self.n);
    }
}

impl<S: AnySemaphore> fmt::Debug for OwnedSemaphorePermit<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.n)
            .finish()
    }
}
