//! [`Lock`]: asyncio's `Lock`, protecting a value the way tokio's `Mutex` does.

use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll, ready};
use std::sync::Arc;
use std::time::Duration;

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

use crate::Fairness;
use crate::blocking::{block_on, block_on_timeout};
use crate::raw::RawLock;
use crate::waitlist::{Waiter, WaiterState};

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
/// place in the queue, and if the lock had already been handed to it, passes the lock on to the
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
    pub(crate) raw: RawLock,
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
    /// The request joins the queue when the future is first polled, not when it is created.
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
        Acquire {
            lock: self,
            node: Waiter::new(),
        }
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
        AcquireOwned {
            lock: Some(self.clone()),
            node: Waiter::new(),
        }
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
    /// lock with async code. It waits in the same FIFO queue as [`acquire`](Lock::acquire).
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
    /// then. A wait that times out leaves the queue as a dropped [`acquire`](Lock::acquire)
    /// future does, passing the lock on if it was handed over at the last moment, so nothing is
    /// lost and the waiters behind it move up.
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

pin_project! {
    /// The future returned by [`Lock::acquire`]; resolves to a [`LockGuard`].
    ///
    /// Dropping it before it completes is safe: see [`Lock`'s cancel safety](Lock#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let lock = aiosync::Lock::new(5);
    /// let acquire: aiosync::lock::Acquire<'_, i32> = lock.acquire();
    /// assert_eq!(*acquire.await, 5);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Acquire<'a, T: ?Sized> {
        lock: &'a Lock<T>,
        #[pin]
        node: Waiter,
    }

    impl<T: ?Sized> PinnedDrop for Acquire<'_, T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.lock.raw.cancel_acquire(this.node.as_ref());
        }
    }
}

impl<'a, T: ?Sized> Future for Acquire<'a, T> {
    type Output = LockGuard<'a, T>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let node = this.node.as_ref();
        let lock = *this.lock;
        ready!(lock.raw.poll_acquire(node, cx));
        Poll::Ready(LockGuard::new(lock))
    }
}

impl<T: ?Sized> FusedFuture for Acquire<'_, T> {
    fn is_terminated(&self) -> bool {
        self.node.state() == WaiterState::Done
    }
}

impl<T: ?Sized> fmt::Debug for Acquire<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("state", &self.node.state())
            .finish()
    }
}

/// Access to the value of a held [`Lock`]; dropping it releases the lock.
///
/// # Examples
///
/// ```
/// let lock = aiosync::Lock::new(vec![1]);
/// let mut guard = lock.try_acquire().unwrap();
/// guard.push(2); // DerefMut to the value
/// drop(guard); // releases
/// assert_eq!(lock.into_inner(), [1, 2]);
/// ```
#[must_use = "if unused the lock is released at once"]
#[clippy::has_significant_drop]
pub struct LockGuard<'a, T: ?Sized> {
    lock: &'a Lock<T>,
    /// A guard hands out `&mut T`: it is `Send` only if `T: Send` and `Sync` only if `T: Sync`.
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> LockGuard<'a, T> {
    /// Only called by whoever holds the lock's permit, which the guard takes over.
    pub(crate) fn new(lock: &'a Lock<T>) -> Self {
        LockGuard {
            lock,
            _marker: PhantomData,
        }
    }

    /// Gives up the guard without releasing the lock; the caller takes over its permit.
    pub(crate) fn into_lock(self) -> &'a Lock<T> {
        ManuallyDrop::new(self).lock
    }

    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{Lock, LockGuard};
    ///
    /// let lock = Lock::new(());
    /// let guard = lock.try_acquire().unwrap();
    /// assert!(std::ptr::eq(LockGuard::lock(&guard), &lock));
    /// ```
    #[doc(alias = "mutex")]
    pub fn lock(this: &Self) -> &'a Lock<T> {
        this.lock
    }

    /// Narrows the guard to a part of the value, keeping the lock held; like parking_lot's
    /// `MutexGuard::map`. An associated function, so it does not shadow a method of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{Lock, LockGuard};
    ///
    /// let lock = Lock::new((1, String::from("a")));
    /// let mut name = LockGuard::map(lock.try_acquire().unwrap(), |v| &mut v.1);
    /// name.push('b');
    /// drop(name);
    /// assert_eq!(lock.try_acquire().unwrap().1, "ab");
    /// ```
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedLockGuard<'a, U> {
        let lock = this.into_lock();
        // If `f` panics, this releases the lock on the way out.
        let release = ReleaseOnDrop(&lock.raw);
        // SAFETY: the permit taken over from the guard makes this the only access to the value,
        // and the reference lives no longer than the lock's borrow `'a`.
        let value = NonNull::from(f(unsafe { &mut *lock.value.get() }));
        core::mem::forget(release);
        MappedLockGuard {
            raw: &lock.raw,
            value,
            _marker: PhantomData,
        }
    }

    /// Like [`map`](LockGuard::map), for a part that may not be there: returns the guard
    /// unchanged when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{Lock, LockGuard};
    ///
    /// let lock = Lock::new(vec![1, 2]);
    /// let first = LockGuard::try_map(lock.try_acquire().unwrap(), |v| v.first_mut());
    /// assert_eq!(*first.unwrap(), 1);
    /// let tenth = LockGuard::try_map(lock.try_acquire().unwrap(), |v| v.get_mut(10));
    /// assert!(tenth.is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// The original guard, when `f` returns `None`.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedLockGuard<'a, U>, Self> {
        // SAFETY: the guard holds the permit; the reference is tied to `'a` and the guard is
        // either consumed below (its permit moving into the mapped guard) or returned unused.
        let value: Option<&'a mut U> = f(unsafe { &mut *this.lock.value.get() });
        match value {
            Some(value) => Ok(MappedLockGuard {
                raw: &this.into_lock().raw,
                value: NonNull::from(value),
                _marker: PhantomData,
            }),
            None => Err(this),
        }
    }
}

/// Releases a lock's permit if dropped: unwinding out of a user closure must not leak the lock.
struct ReleaseOnDrop<'a>(&'a RawLock);

impl Drop for ReleaseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.unlock();
    }
}

impl<T: ?Sized> Deref for LockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's only permit, so no other guard exists and nothing
        // else accesses the value until this guard is dropped.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference through the guard.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T: ?Sized> Drop for LockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.raw.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// A [`LockGuard`] narrowed by [`LockGuard::map`] to a part of the value; dropping it releases
/// the lock.
///
/// # Examples
///
/// ```
/// use aiosync::{Lock, LockGuard, MappedLockGuard};
///
/// let lock = Lock::new((0, 'a'));
/// let mut letter: MappedLockGuard<'_, char> = LockGuard::map(lock.try_acquire().unwrap(), |v| &mut v.1);
/// *letter = 'b';
/// drop(letter);
/// assert_eq!(lock.into_inner(), (0, 'b'));
/// ```
#[must_use = "if unused the lock is released at once"]
#[clippy::has_significant_drop]
pub struct MappedLockGuard<'a, U: ?Sized> {
    raw: &'a RawLock,
    /// A pointer, not a `&'a mut U`: a reference field would be asserted valid (and unaliased)
    /// for as long as the guard is passed around, even after `drop` released the lock
    /// (rust-lang/rust#63787). Valid while the guard holds the lock's permit.
    value: NonNull<U>,
    /// Borrows the value mutably for `'a`, for variance and the auto traits.
    _marker: PhantomData<&'a mut U>,
}

impl<'a, U: ?Sized> MappedLockGuard<'a, U> {
    /// Narrows the guard further, keeping the lock held; like [`LockGuard::map`]. An associated
    /// function, so it does not shadow a method of `U`. If `f` panics, the lock is released.
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{Lock, LockGuard, MappedLockGuard};
    ///
    /// let lock = Lock::new((0, vec![1, 2]));
    /// let list = LockGuard::map(lock.try_acquire().unwrap(), |v| &mut v.1);
    /// let mut last = MappedLockGuard::map(list, |l| l.last_mut().unwrap());
    /// *last = 3;
    /// drop(last);
    /// assert_eq!(lock.into_inner().1, [1, 3]);
    /// ```
    pub fn map<V: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut U) -> &mut V,
    ) -> MappedLockGuard<'a, V> {
        // A panic in `f` drops `this`, releasing the lock.
        let value = NonNull::from(f(&mut *this));
        let this = ManuallyDrop::new(this); // its permit moves to the new guard
        MappedLockGuard {
            raw: this.raw,
            value,
            _marker: PhantomData,
        }
    }

    /// Like [`map`](MappedLockGuard::map), for a part that may not be there: returns the guard
    /// unchanged when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{Lock, LockGuard, MappedLockGuard};
    ///
    /// let lock = Lock::new((0, vec![1]));
    /// let list = LockGuard::map(lock.try_acquire().unwrap(), |v| &mut v.1);
    /// let list = MappedLockGuard::try_map(list, |l| l.get_mut(5)).unwrap_err();
    /// assert_eq!(*MappedLockGuard::try_map(list, |l| l.first_mut()).unwrap(), 1);
    /// ```
    ///
    /// # Errors
    ///
    /// The original guard, when `f` returns `None`.
    pub fn try_map<V: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut U) -> Option<&mut V>,
    ) -> Result<MappedLockGuard<'a, V>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(value) => {
                let this = ManuallyDrop::new(this); // its permit moves to the new guard
                Ok(MappedLockGuard {
                    raw: this.raw,
                    value,
                    _marker: PhantomData,
                })
            }
            None => Err(this),
        }
    }
}

// SAFETY: the guard is a unique borrow of the value while it holds the permit, exactly like the
// `&'a mut U` it stands for: it may move to another thread if `U: Send`...
unsafe impl<U: ?Sized + Send> Send for MappedLockGuard<'_, U> {}
// SAFETY: ...and be shared between threads, handing out `&U`, if `U: Sync`.
unsafe impl<U: ?Sized + Sync> Sync for MappedLockGuard<'_, U> {}

impl<U: ?Sized> Deref for MappedLockGuard<'_, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: `value` came from the guard's exclusive access to the lock's value, which lasts
        // until this guard is dropped.
        unsafe { self.value.as_ref() }
    }
}

impl<U: ?Sized> DerefMut for MappedLockGuard<'_, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference through the guard.
        unsafe { self.value.as_mut() }
    }
}

impl<U: ?Sized> Drop for MappedLockGuard<'_, U> {
    fn drop(&mut self) {
        self.raw.unlock();
    }
}

impl<U: ?Sized + fmt::Debug> fmt::Debug for MappedLockGuard<'_, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<U: ?Sized + fmt::Display> fmt::Display for MappedLockGuard<'_, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

pin_project! {
    /// The future returned by [`Lock::acquire_owned`]; resolves to an [`OwnedLockGuard`].
    ///
    /// Dropping it before it completes is safe: see [`Lock`'s cancel safety](Lock#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # futures_executor::block_on(async {
    /// let lock = Arc::new(aiosync::Lock::new(()));
    /// let acquire: aiosync::lock::AcquireOwned<()> = lock.acquire_owned();
    /// let guard = acquire.await;
    /// # drop(guard);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct AcquireOwned<T: ?Sized> {
        // `None` once the guard has taken it over.
        lock: Option<Arc<Lock<T>>>,
        #[pin]
        node: Waiter,
    }

    impl<T: ?Sized> PinnedDrop for AcquireOwned<T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(lock) = this.lock {
                lock.raw.cancel_acquire(this.node.as_ref());
            }
        }
    }
}

impl<T: ?Sized> Future for AcquireOwned<T> {
    type Output = OwnedLockGuard<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let node = this.node.as_ref();
        let lock = this
            .lock
            .as_ref()
            .expect("`AcquireOwned` polled after completion");
        ready!(lock.raw.poll_acquire(node, cx));
        let lock = this.lock.take().expect("checked above");
        Poll::Ready(OwnedLockGuard::new(lock))
    }
}

impl<T: ?Sized> FusedFuture for AcquireOwned<T> {
    fn is_terminated(&self) -> bool {
        self.lock.is_none()
    }
}

impl<T: ?Sized> fmt::Debug for AcquireOwned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcquireOwned")
            .field("state", &self.node.state())
            .finish()
    }
}

/// Like [`LockGuard`], but owning an [`Arc`] of the lock instead of borrowing it, so it is
/// `'static` when `T` is; from [`Lock::acquire_owned`]. Dropping it releases the lock.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// let lock = Arc::new(aiosync::Lock::new(0));
/// let mut guard = lock.try_acquire_owned().unwrap();
/// std::thread::spawn(move || *guard += 1).join().unwrap();
/// assert_eq!(*lock.try_acquire().unwrap(), 1);
/// ```
#[must_use = "if unused the lock is released at once"]
#[clippy::has_significant_drop]
pub struct OwnedLockGuard<T: ?Sized> {
    /// Always `Some` except inside `into_lock`: taking it out is how the guard is disarmed
    /// without `unsafe`.
    lock: Option<Arc<Lock<T>>>,
    /// The `Arc` alone would make the guard `Sync` whenever `T: Send`, yet `&guard` hands out
    /// `&T`: this makes it `Sync` only if `T: Sync` too (and `Send` only if `T: Send`).
    _marker: PhantomData<T>,
}

impl<T: ?Sized> OwnedLockGuard<T> {
    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{Lock, OwnedLockGuard};
    ///
    /// let lock = Arc::new(Lock::new(()));
    /// let guard = lock.try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(OwnedLockGuard::lock(&guard), &lock));
    /// ```
    #[doc(alias = "mutex")]
    pub fn lock(this: &Self) -> &Arc<Lock<T>> {
        match &this.lock {
            Some(lock) => lock,
            None => unreachable!("the lock is only taken out by `into_lock`"),
        }
    }

    /// Narrows the guard to a part of the value, keeping the lock held; the owned form of
    /// [`LockGuard::map`]. The new guard still owns the [`Arc`], so it is `'static` when `T` and
    /// `U` are. If `f` panics, the lock is released.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{Lock, OwnedLockGuard};
    ///
    /// let lock = Arc::new(Lock::new((1, String::from("a"))));
    /// let mut name = OwnedLockGuard::map(lock.try_acquire_owned().unwrap(), |v| &mut v.1);
    /// std::thread::spawn(move || name.push('b')).join().unwrap();
    /// assert_eq!(lock.try_acquire().unwrap().1, "ab");
    /// ```
    pub fn map<U: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> OwnedMappedLockGuard<T, U> {
        // A panic in `f` drops `this`, releasing the lock.
        let value = NonNull::from(f(&mut *this));
        OwnedMappedLockGuard {
            lock: Some(this.into_lock()),
            value,
            _marker: PhantomData,
        }
    }

    /// Like [`map`](OwnedLockGuard::map), for a part that may not be there: returns the guard
    /// unchanged when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{Lock, OwnedLockGuard};
    ///
    /// let lock = Arc::new(Lock::new(vec![1, 2]));
    /// let guard = lock.try_acquire_owned().unwrap();
    /// let guard = OwnedLockGuard::try_map(guard, |v| v.get_mut(10)).unwrap_err();
    /// let first = OwnedLockGuard::try_map(guard, |v| v.first_mut()).unwrap();
    /// assert_eq!(*first, 1);
    /// ```
    ///
    /// # Errors
    ///
    /// The original guard, when `f` returns `None`.
    pub fn try_map<U: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<OwnedMappedLockGuard<T, U>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(value) => Ok(OwnedMappedLockGuard {
                lock: Some(this.into_lock()),
                value,
                _marker: PhantomData,
            }),
            None => Err(this),
        }
    }

    /// Only called by whoever holds the lock's permit, which the guard takes over.
    fn new(lock: Arc<Lock<T>>) -> Self {
        OwnedLockGuard {
            lock: Some(lock),
            _marker: PhantomData,
        }
    }

    /// Gives up the guard without releasing the lock; the caller takes over its permit.
    fn into_lock(mut self) -> Arc<Lock<T>> {
        self.lock.take().expect("a guard always has its lock")
    }
}

impl<T: ?Sized> Deref for OwnedLockGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's only permit (see `LockGuard::deref`).
        unsafe { &*OwnedLockGuard::lock(self).value.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedLockGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference through the guard.
        unsafe { &mut *OwnedLockGuard::lock(self).value.get() }
    }
}

impl<T: ?Sized> Drop for OwnedLockGuard<T> {
    fn drop(&mut self) {
        if let Some(lock) = &self.lock {
            lock.raw.unlock();
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedLockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedLockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// An [`OwnedLockGuard`] narrowed by [`OwnedLockGuard::map`] to a part `U` of the value `T`;
/// dropping it releases the lock. Like [`MappedLockGuard`], but owning an [`Arc`] of the lock, so
/// it is `'static` when `T` and `U` are.
///
/// It is `Send` when `T: Send` and `U: Send`, and `Sync` when `T: Send` and `U: Sync`: it hands
/// out `&mut U` and `&U` as a `&mut U` would, and holds an `Arc<Lock<T>>`, which moves or is
/// shared between threads only when `T: Send` (the last `Arc` may drop the `T` on any thread).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use aiosync::{Lock, OwnedLockGuard, OwnedMappedLockGuard};
///
/// let lock = Arc::new(Lock::new((0, 'a')));
/// let mut letter: OwnedMappedLockGuard<(i32, char), char> =
///     OwnedLockGuard::map(lock.try_acquire_owned().unwrap(), |v| &mut v.1);
/// *letter = 'b';
/// drop(letter);
/// assert_eq!(*lock.try_acquire().unwrap(), (0, 'b'));
/// ```
#[must_use = "if unused the lock is released at once"]
#[clippy::has_significant_drop]
pub struct OwnedMappedLockGuard<T: ?Sized, U: ?Sized> {
    /// Always `Some` except inside `map` and `try_map`: taking it out is how the guard is
    /// disarmed without `unsafe`.
    lock: Option<Arc<Lock<T>>>,
    /// A pointer into the lock's value, valid while the guard holds the lock's permit: not a
    /// `&mut U`, for the reason given at [`MappedLockGuard`]'s field.
    value: NonNull<U>,
    /// Invariant in `U`, as `&mut U` is: the guard can write a `U` into the lock's value.
    _marker: PhantomData<*mut U>,
}

// SAFETY: moving the guard moves a unique borrow of a `U`, like moving a `&mut U` (`U: Send`),
// and an `Arc<Lock<T>>`, whose last clone may drop the lock and its `T` on the new thread
// (`T: Send`; `Arc<Lock<T>>` itself is `Send` exactly then).
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedLockGuard<T, U> {}
// SAFETY: a shared guard hands out `&U`, like a shared `&mut U` (`U: Sync`), and `&Arc<Lock<T>>`
// through `OwnedMappedLockGuard::lock`, which may be cloned on any thread (`T: Send`, when
// `Arc<Lock<T>>` is `Sync`).
unsafe impl<T: ?Sized + Send, U: ?Sized + Sync> Sync for OwnedMappedLockGuard<T, U> {}

impl<T: ?Sized, U: ?Sized> OwnedMappedLockGuard<T, U> {
    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{Lock, OwnedLockGuard, OwnedMappedLockGuard};
    ///
    /// let lock = Arc::new(Lock::new((1, 2)));
    /// let second = OwnedLockGuard::map(lock.try_acquire_owned().unwrap(), |v| &mut v.1);
    /// assert!(Arc::ptr_eq(OwnedMappedLockGuard::lock(&second), &lock));
    /// ```
    #[doc(alias = "mutex")]
    pub fn lock(this: &Self) -> &Arc<Lock<T>> {
        match &this.lock {
            Some(lock) => lock,
            None => unreachable!("the lock is only taken out by `map` and `try_map`"),
        }
    }

    /// Narrows the guard further, keeping the lock held; like [`OwnedLockGuard::map`]. If `f`
    /// panics, the lock is released.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{Lock, OwnedLockGuard, OwnedMappedLockGuard};
    ///
    /// let lock = Arc::new(Lock::new((0, vec![1, 2])));
    /// let list = OwnedLockGuard::map(lock.try_acquire_owned().unwrap(), |v| &mut v.1);
    /// let mut last = OwnedMappedLockGuard::map(list, |l| l.last_mut().unwrap());
    /// *last = 3;
    /// drop(last);
    /// assert_eq!(lock.try_acquire().unwrap().1, [1, 3]);
    /// ```
    pub fn map<V: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut U) -> &mut V,
    ) -> OwnedMappedLockGuard<T, V> {
        // A panic in `f` drops `this`, releasing the lock.
        let value = NonNull::from(f(&mut *this));
        OwnedMappedLockGuard {
            lock: this.lock.take(),
            value,
            _marker: PhantomData,
        }
    }

    /// Like [`map`](OwnedMappedLockGuard::map), for a part that may not be there: returns the
    /// guard unchanged when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{Lock, OwnedLockGuard, OwnedMappedLockGuard};
    ///
    /// let lock = Arc::new(Lock::new((0, vec![1])));
    /// let list = OwnedLockGuard::map(lock.try_acquire_owned().unwrap(), |v| &mut v.1);
    /// let list = OwnedMappedLockGuard::try_map(list, |l| l.get_mut(5)).unwrap_err();
    /// assert_eq!(*OwnedMappedLockGuard::try_map(list, |l| l.first_mut()).unwrap(), 1);
    /// ```
    ///
    /// # Errors
    ///
    /// The original guard, when `f` returns `None`.
    pub fn try_map<V: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut U) -> Option<&mut V>,
    ) -> Result<OwnedMappedLockGuard<T, V>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(value) => Ok(OwnedMappedLockGuard {
                lock: this.lock.take(),
                value,
                _marker: PhantomData,
            }),
            None => Err(this),
        }
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedLockGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: `value` came from the guard's exclusive access to the lock's value, which lasts
        // until this guard is dropped; the `Arc` keeps the lock alive meanwhile.
        unsafe { self.value.as_ref() }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedLockGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference through the guard.
        unsafe { self.value.as_mut() }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedLockGuard<T, U> {
    fn drop(&mut self) {
        if let Some(lock) = &self.lock {
            lock.raw.unlock();
        }
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedMappedLockGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for OwnedMappedLockGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// A held [`Lock`] that a [`Condition`](crate::Condition) can wait and notify with:
/// [`LockGuard`] or [`OwnedLockGuard`]. Sealed: the condition must be able to give the lock up
/// while waiting and take it back.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use aiosync::{Condition, Guard, Lock};
///
/// /// Works with borrowed and owned guards alike.
/// fn bump<G: Guard<Target = u32>>(cond: &Condition, mut guard: G) -> G {
///     *guard += 1;
///     cond.notify_all(&guard);
///     guard
/// }
///
/// let (lock, cond) = (Arc::new(Lock::new(0)), Condition::new());
/// drop(bump(&cond, lock.try_acquire().unwrap()));
/// drop(bump(&cond, lock.try_acquire_owned().unwrap()));
/// assert_eq!(*lock.try_acquire().unwrap(), 2);
/// ```
pub trait Guard: DerefMut + private::Sealed {}

impl<T: ?Sized> Guard for LockGuard<'_, T> {}
impl<T: ?Sized> Guard for OwnedLockGuard<T> {}

pub(crate) mod private {
    use super::*;

    /// How a [`Condition`](crate::Condition) parks a guard while it waits: the lock stays
    /// reachable, the permit leaves the guard and comes back into a new one.
    pub trait Sealed: Deref + Sized {
        /// The lock, kept while its permit is not held.
        type Parked;
        fn parked_lock(parked: &Self::Parked) -> &Lock<Self::Target>;
        /// Another handle to the guard's lock, to take it again after a wait that timed out.
        fn lock_handle(guard: &Self) -> Self::Parked;
        /// Gives up the guard without releasing the lock; the caller takes over its permit.
        fn park(self) -> Self::Parked;
        /// Only called by whoever holds the lock's permit, which the new guard takes over.
        fn unpark(parked: Self::Parked) -> Self;
    }

    impl<'a, T: ?Sized> Sealed for LockGuard<'a, T> {
        type Parked = &'a Lock<T>;
        fn parked_lock(parked: &Self::Parked) -> &Lock<T> {
            parked
        }
        fn lock_handle(guard: &Self) -> Self::Parked {
            guard.lock
        }
        fn park(self) -> Self::Parked {
            self.into_lock()
        }
        fn unpark(parked: Self::Parked) -> Self {
            LockGuard::new(parked)
        }
    }

    impl<T: ?Sized> Sealed for OwnedLockGuard<T> {
        type Parked = Arc<Lock<T>>;
        fn parked_lock(parked: &Self::Parked) -> &Lock<T> {
            parked
        }
        fn lock_handle(guard: &Self) -> Self::Parked {
            OwnedLockGuard::lock(guard).clone()
        }
        fn park(self) -> Self::Parked {
            self.into_lock()
        }
        fn unpark(lock: Self::Parked) -> Self {
            OwnedLockGuard::new(lock)
        }
    }
}
