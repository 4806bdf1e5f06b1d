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

impl Semaphore {
    /// Lowers the semaphore's capacity by `n` permits, at once. It takes available permits
    /// first and records the rest as a [`deficit`](Self::deficit): the next permits released,
    /// by dropped permits or [`release`](Self::release), repay it before any waiter is served or
    /// any permit becomes available. Held permits are never revoked, and a waiter already
    /// granted its permits keeps them.
    ///
    /// The whole change is one step with respect to every acquire, release, cancellation and
    /// hand-off: no waiter is served from permits it took. For a limit that adapts while its
    /// permits are in use; [`release_many`](Self::release_many) raises it again.
    ///
    /// # Fairness
    ///
    /// Waiters keep their order and their share: a deficit holds every one of them back until
    /// it is repaid, then the oldest is served first.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(3);
    /// let two = sem.try_acquire_many(2).unwrap();
    /// sem.reduce_permits(2); // takes the available permit, and owes one
    /// assert_eq!((sem.available_permits(), sem.deficit()), (0, 1));
    /// drop(two); // one repays the deficit, one becomes available
    /// assert_eq!((sem.available_permits(), sem.deficit()), (1, 0));
    /// ```
    ///
    /// # Panics
    ///
    /// If the deficit would exceed [`MAX_PERMITS`](Self::MAX_PERMITS); nothing changes then.
    pub fn reduce_permits(&self, n: usize) {
        if n > 0 {
            self.0.reduce(n);
        }
    }

    /// Takes every available permit out of circulation, at once, and returns how many: the
    /// capacity falls by that many, and no deficit is recorded. Permits held, assigned to
    /// waiters, or granted to a waiter that has not resumed stay where they are. tokio's
    /// `forget_permits`, taking all there is.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(3);
    /// let one = sem.try_acquire().unwrap();
    /// assert_eq!(sem.drain_permits(), 2);
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(one);
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[doc(alias = "forget_permits")]
    pub fn drain_permits(&self) -> usize {
        self.0.drain()
    }
}

impl Default for Semaphore {
    /// asyncio's default: one permit.
    fn default() -> Self {
        Semaphore::new(1)
    }
}
