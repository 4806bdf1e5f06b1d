//! [`Semaphore`]: asyncio's semaphore, with no bound but `MAX_PERMITS`.

use super::MAX_PERMITS;
use super::counter::Counter;
#[cfg(doc)]
use super::{Acquire, SemaphorePermit};
#[cfg(doc)]
use crate::Fairness;

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
/// place in the wait list, and a permit already handed to it goes to the next waiter (or back to the
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
    /// As [`release_many`](Semaphore::release_many).
    pub fn release(&self) {
        self.release_many(1);
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
