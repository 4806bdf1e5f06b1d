//! The borrowed guards: [`LockGuard`], and [`MappedLockGuard`] for a part of the value. Both
//! release the lock through their [`Held`] permit.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use super::Lock;
use super::held::Held;
use crate::raw::RawLock;

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
    held: Held<&'a Lock<T>>,
    /// A guard hands out `&mut T`: it is `Send` only if `T: Send` and `Sync` only if `T: Sync`.
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> LockGuard<'a, T> {
    /// Only called by whoever holds the lock's permit, which the guard takes over.
    #[inline]
    pub(super) fn new(lock: &'a Lock<T>) -> Self {
        LockGuard {
            held: Held::new(lock),
            _marker: PhantomData,
        }
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
        this.held.handle()
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
    pub fn map<U: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> MappedLockGuard<'a, U> {
        // A panic in `f` drops `this`, releasing the lock.
        let value = NonNull::from(f(&mut *this));
        MappedLockGuard {
            held: this.held.narrow(),
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
        mut this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedLockGuard<'a, U>, Self> {
        match f(&mut *this).map(NonNull::from) {
            Some(value) => Ok(MappedLockGuard {
                held: this.held.narrow(),
                value,
                _marker: PhantomData,
            }),
            None => Err(this),
        }
    }
}

/// Releases a lock's permit if dropped: unwinding out of a user closure must not leak the lock.
impl<T: ?Sized> Deref for LockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's only permit, so no other guard exists and nothing
        // else accesses the value until this guard is dropped.
        unsafe { &*self.held.handle().value.get() }
    }
}

impl<T: ?Sized> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference through the guard.
        unsafe { &mut *self.held.handle().value.get() }
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
    held: Held<&'a RawLock>,
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
        MappedLockGuard {
            held: this.held,
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
            Some(value) => Ok(MappedLockGuard {
                held: this.held,
                value,
                _marker: PhantomData,
            }),
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
