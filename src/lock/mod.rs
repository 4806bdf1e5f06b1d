//! [`Lock`]: asyncio's `Lock`, protecting a value the way tokio's `Mutex` does.
//!
//! The lock and its methods are here; its core, the permit protocol, is `raw::lock`. The
//! futures are in `future`, the borrowed guards in `guard`, the owned ones in `owned`; every
//! guard releases through the permit token in `held`. `park` is what a `Condition` needs of a
//! guard.

mod future;
mod guard;
mod held;
mod owned;
mod park;

use core::cell::UnsafeCell;
use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;
use std::time::Duration;

pub use future::{Acquire, AcquireOwned};
pub use guard::{LockGuard, MappedLockGuard};
pub use owned::{OwnedLockGuard, OwnedMappedLockGuard};
pub use park::Guard;
pub(crate) use park::Relock;

use crate::Fairness;
use crate::blocking::{block_on, block_on_timeout};
use crate::raw::RawLock;
use crate::waitlist::Waiter;

/// An async mutual-exclusion lock protecting a value of type `T`: asyncio's `Lock`, with the
/// value inside it and release done by dropping the guard.
///
/// `Lock<()>` (the default) is asyncio's plain lock. [`acquire`](Lock::acquire) waits for the
/// lock and returns a [`LockGuard`] that gives access to the value; dropping the guard releases
/// the lock. Releasing a lock you do not hold, asyncio's `RuntimeError`, cannot be written.
///
/// # Fairness
///
/// Strictly first-in, first-out by default. Releasing the lock while tasks wait hands it directly
/// to the one that started waiting first; it stays locked in between, so neither [`acquire`] nor
/// [`try_acquire`] from anyone else can take it first (no barging). [`locked`] is therefore
/// `true` exactly when an acquire would have to wait.
///
/// [`Lock::with_fairness`] with [`Fairness::Bounded`] trades that for throughput: a release
/// leaves the lock free, and a task that is not queued may take it ahead of the oldest waiter,
/// at most a set number of times before the hand-off is forced. See [`Fairness`] for the exact
/// guarantee.
///
/// # Cancel safety
///
/// [`acquire`] is cancel-safe: dropping the [`Acquire`] future before it completes gives up its
/// place in the wait list, and if the lock had already been handed to it, passes the lock on to the
/// next waiter (or unlocks it). Nothing is lost and the lock is never left held by no one.
///
/// # Examples
///
/// ```
/// use aiosync::Lock;
///
/// # futures_executor::block_on(async {
/// let lock = Lock::new(0);
/// {
///     let mut n = lock.acquire().await;
///     *n += 1;
/// } // released here
/// assert_eq!(*lock.acquire().await, 1);
/// # });
/// ```
///
/// Releasing a lock you do not hold, asyncio's `RuntimeError('Lock is not acquired.')`, cannot
/// be written: there is no `release` method, only a guard to drop.
///
/// ```compile_fail
/// let lock = aiosync::Lock::new(());
/// lock.release(); // error: no method named `release`
/// ```
///
/// A guard cannot outlive its lock, nor be used after it is dropped:
///
/// ```compile_fail
/// let guard = {
///     let lock = aiosync::Lock::new(0);
///     lock.try_acquire().unwrap() // error: `lock` does not live long enough
/// };
/// ```
///
/// # Panics and unwind safety
///
/// A task that panics while holding the guard releases the lock as the guard is dropped; there
/// is no poisoning, as with tokio's locks. So the next holder may find a value the panic left
/// half changed, and `Lock<T>` is not `RefUnwindSafe`, as std's rules make a type holding an
/// `UnsafeCell<T>`: wrap it in `AssertUnwindSafe` to say that is fine. The lock itself stays
/// whole whatever a waker does (see the README's Soundness section).
///
/// [`acquire`]: Lock::acquire
/// [`try_acquire`]: Lock::try_acquire
/// [`locked`]: Lock::locked
pub struct Lock<T: ?Sized = ()> {
    raw: RawLock,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a guard, and a guard exists only while its holder has
// the lock's single permit, so at most one thread accesses it at a time; moving the lock or
// sharing it between threads therefore only needs `T: Send`, as for `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Send for Lock<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    crate::loom::const_fn! {
        /// Creates an unlocked lock protecting `value`. A `const fn`, so a lock can be a
        /// `static`, as with `std::sync::Mutex`.
        ///
        /// # Examples
        ///
        /// ```
        /// let lock = aiosync::Lock::new(vec![1, 2, 3]);
        /// assert!(!lock.locked());
        /// ```
        ///
        /// ```
        /// use aiosync::Lock;
        ///
        /// static COUNTER: Lock<u64> = Lock::new(0);
        ///
        /// *COUNTER.acquire_blocking() += 1;
        /// assert_eq!(*COUNTER.acquire_blocking(), 1);
        /// ```
        #[doc(alias = "const_new")]
        pub fn new(value: T) -> Self {
            Self::with_fairness(value, Fairness::Fifo)
        }
    }

    crate::loom::const_fn! {
        /// Creates an unlocked lock protecting `value`, serving waiters by `fairness`. `const`,
        /// as [`new`](Lock::new) is.
        ///
        /// # Fairness
        ///
        /// [`Fairness::Fifo`] is what [`new`](Lock::new) gives. Under [`Fairness::Bounded`]`(k)`
        /// a task that is not queued may take the lock ahead of the oldest waiter at most `k`
        /// times, then the next release hands the lock to that waiter.
        ///
        /// # Examples
        ///
        /// ```
        /// use aiosync::{Fairness, Lock};
        ///
        /// static HITS: Lock<u64> = Lock::with_fairness(0, Fairness::BOUNDED);
        ///
        /// *HITS.acquire_blocking() += 1;
        /// assert_eq!(HITS.fairness(), Fairness::Bounded(Fairness::DEFAULT_BYPASSES));
        /// ```
        pub fn with_fairness(value: T, fairness: Fairness) -> Self {
            Lock {
                raw: RawLock::new(fairness),
                value: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the lock and returns the value. No guard can exist, since it would borrow the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = aiosync::Lock::new(String::from("x"));
    /// assert_eq!(lock.into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Lock<T> {
    /// Waits for the lock and returns a guard giving access to the value. asyncio's
    /// `await lock.acquire()` / `async with lock`.
    ///
    /// The request joins the wait list when the future is first polled, not when it is created.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see the [type-level notes](Lock#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let lock = aiosync::Lock::new(1);
    /// let guard = lock.acquire().await;
    /// assert_eq!(*guard, 1);
    /// # });
    /// ```
    #[doc(alias = "lock")]
    pub fn acquire(&self) -> Acquire<'_, T> {
        Acquire::new(self)
    }

    /// Takes the lock if it is free and nobody is waiting for it, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = aiosync::Lock::new(());
    /// let guard = lock.try_acquire().unwrap();
    /// assert!(lock.try_acquire().is_none());
    /// drop(guard);
    /// assert!(lock.try_acquire().is_some());
    /// ```
    #[doc(alias = "try_lock")]
    #[must_use = "if unused the lock is released at once"]
    pub fn try_acquire(&self) -> Option<LockGuard<'_, T>> {
        self.raw.try_acquire().then(|| LockGuard::new(self))
    }

    /// Like [`acquire`](Lock::acquire), for a lock in an [`Arc`]: the guard keeps the lock alive
    /// and borrows nothing, so it can move into a spawned task.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see the [type-level notes](Lock#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # futures_executor::block_on(async {
    /// let lock = Arc::new(aiosync::Lock::new(0));
    /// let mut guard = lock.acquire_owned().await;
    /// std::thread::spawn(move || *guard += 1).join().unwrap();
    /// assert_eq!(*lock.acquire().await, 1);
    /// # });
    /// ```
    #[doc(alias = "lock_owned")]
    #[doc(alias = "lock_arc")]
    pub fn acquire_owned(self: &Arc<Self>) -> AcquireOwned<T> {
        AcquireOwned::new(self.clone())
    }

    /// Like [`try_acquire`](Lock::try_acquire), for a lock in an [`Arc`].
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = std::sync::Arc::new(aiosync::Lock::new(()));
    /// let guard = lock.try_acquire_owned().unwrap();
    /// assert!(lock.try_acquire_owned().is_none());
    /// ```
    #[doc(alias = "try_lock_owned")]
    #[doc(alias = "try_lock_arc")]
    #[must_use = "if unused the lock is released at once"]
    pub fn try_acquire_owned(self: &Arc<Self>) -> Option<OwnedLockGuard<T>> {
        self.raw
            .try_acquire()
            .then(|| OwnedLockGuard::new(self.clone()))
    }

    /// Blocks the current thread until the lock is acquired, for synchronous code sharing the
    /// lock with async code. It waits in the same FIFO wait list as [`acquire`](Lock::acquire).
    ///
    /// Calling it inside an async task blocks that executor thread (and may deadlock it, if the
    /// holder needs that thread to run); use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = aiosync::Lock::new(1);
    /// assert_eq!(*lock.acquire_blocking(), 1);
    /// ```
    #[doc(alias = "blocking_lock")]
    #[doc(alias = "lock_blocking")]
    pub fn acquire_blocking(&self) -> LockGuard<'_, T> {
        block_on(self.acquire())
    }

    /// Like [`acquire_blocking`](Lock::acquire_blocking), for a lock in an [`Arc`]: the guard
    /// keeps the lock alive and borrows nothing.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = std::sync::Arc::new(aiosync::Lock::new(1));
    /// let mut guard = lock.acquire_owned_blocking();
    /// std::thread::spawn(move || *guard += 1).join().unwrap();
    /// assert_eq!(*lock.acquire_blocking(), 2);
    /// ```
    #[doc(alias = "blocking_lock_owned")]
    #[doc(alias = "lock_arc_blocking")]
    pub fn acquire_owned_blocking(self: &Arc<Self>) -> OwnedLockGuard<T> {
        block_on(self.acquire_owned())
    }

    /// Like [`acquire_blocking`](Lock::acquire_blocking), but gives up after `timeout`: `None`
    /// then. A wait that times out leaves the wait list as a dropped [`acquire`](Lock::acquire)
    /// future does, passing the lock on if it was handed over at the last moment, so nothing is
    /// lost and the waiters behind it move up.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let lock = aiosync::Lock::new(0);
    /// let guard = lock.try_acquire().unwrap();
    /// assert!(lock.acquire_blocking_timeout(Duration::from_millis(10)).is_none());
    /// drop(guard);
    /// assert!(lock.acquire_blocking_timeout(Duration::from_millis(10)).is_some());
    /// ```
    #[doc(alias = "try_lock_for")]
    #[must_use = "if unused the lock is released at once"]
    pub fn acquire_blocking_timeout(&self, timeout: Duration) -> Option<LockGuard<'_, T>> {
        block_on_timeout(self.acquire(), timeout)
    }

    /// Like [`acquire_owned_blocking`](Lock::acquire_owned_blocking), but gives up after
    /// `timeout`: `None` then, with nothing lost (see
    /// [`acquire_blocking_timeout`](Lock::acquire_blocking_timeout)).
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let lock = std::sync::Arc::new(aiosync::Lock::new(()));
    /// let guard = lock.acquire_owned_blocking_timeout(Duration::from_millis(10)).unwrap();
    /// assert!(lock.acquire_owned_blocking_timeout(Duration::from_millis(10)).is_none());
    /// # drop(guard);
    /// ```
    #[must_use = "if unused the lock is released at once"]
    pub fn acquire_owned_blocking_timeout(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Option<OwnedLockGuard<T>> {
        block_on_timeout(self.acquire_owned(), timeout)
    }

    /// Whether the lock is held (or being handed to a waiter), that is, whether
    /// [`acquire`](Lock::acquire) would wait. Unlike asyncio's, this stays `true` while the lock
    /// passes from one holder to the next (CPython gh-138121).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = aiosync::Lock::new(());
    /// let guard = lock.try_acquire();
    /// assert!(lock.locked());
    /// ```
    #[doc(alias = "is_locked")]
    pub fn locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// The policy this lock serves its waiters by.
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{Fairness, Lock};
    ///
    /// assert_eq!(Lock::new(()).fairness(), Fairness::Fifo);
    /// ```
    pub fn fairness(&self) -> Fairness {
        self.raw.fairness()
    }

    /// How many tasks wait for the lock (a snapshot, taken without locking).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(aiosync::Lock::new(()).waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.raw.waiters()
    }

    /// A mutable reference to the value; `&mut self` proves nobody holds the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = aiosync::Lock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// An acquire with a node of the caller's (a [`Condition`](crate::Condition) waiter taking
    /// the lock again); `Ready` means the lock is held.
    pub(crate) fn poll_acquire_with(&self, node: Pin<&Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        self.raw.poll_acquire(node, cx)
    }

    /// Gives up an acquire made with [`poll_acquire_with`](Lock::poll_acquire_with), passing the
    /// lock on if it was handed to `node`.
    pub(crate) fn cancel_acquire_with(&self, node: Pin<&Waiter>) {
        self.raw.cancel_acquire(node);
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> From<T> for Lock<T> {
    fn from(value: T) -> Self {
        Lock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Lock");
        // Only when nobody waits: under `Fairness::Bounded` a `try_acquire` past a waiter would
        // count as a bypass, and printing must not change who gets the lock next.
        match self.raw.try_lock().then(|| LockGuard::new(self)) {
            Some(guard) => d.field("value", &&*guard),
            None => d.field("value", &format_args!("<locked>")),
        };
        if self.fairness() != Fairness::Fifo {
            d.field("fairness", &self.fairness());
        }
        d.field("waiters", &self.waiters()).finish()
    }
}
