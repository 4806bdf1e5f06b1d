//! The guards that own an [`Arc`] of the lock: [`OwnedLockGuard`], and [`OwnedMappedLockGuard`]
//! for a part of the value. Both release the lock through their [`Held`] permit.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use std::sync::Arc;

use super::Lock;
use super::held::Held;

/// Like [`LockGuard`](super::LockGuard), but owning an [`Arc`] of the lock instead of borrowing it, so it is
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
    held: Held<Arc<Lock<T>>>,
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
        this.held.handle()
    }

    /// Narrows the guard to a part of the value, keeping the lock held; the owned form of
    /// [`LockGuard::map`](super::LockGuard::map). The new guard still owns the [`Arc`], so it
    /// is `'static` when `T` and `U` are. If `f` panics, the lock is released.
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
            held: this.held,
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
                held: this.held,
                value,
                _marker: PhantomData,
            }),
            None => Err(this),
        }
    }

    /// Only called by whoever holds the lock's permit, which the guard takes over.
    pub(super) fn new(lock: Arc<Lock<T>>) -> Self {
        OwnedLockGuard {
            held: Held::new(lock),
            _marker: PhantomData,
        }
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
/// dropping it releases the lock. Like [`MappedLockGuard`](super::MappedLockGuard), but owning an [`Arc`] of the lock, so
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
    held: Held<Arc<Lock<T>>>,
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
        this.held.handle()
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
            held: this.held,
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
                held: this.held,
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
