//! The methods both semaphores share, written once: [`shared_methods!`] emits them, with their
//! documentation and examples, for [`Semaphore`] and for [`BoundedSemaphore`].

use core::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use super::counter::{Counter, UNBOUNDED};
use super::{
    Acquire, AcquireOwned, AnySemaphore, BoundedSemaphore, MAX_PERMITS, OwnedSemaphorePermit,
    Semaphore, SemaphorePermit,
};
use crate::Fairness;
use crate::blocking::{block_on, block_on_timeout};

/// The methods both semaphores share, with the same code and documentation.
macro_rules! shared_methods {
    ($ty:ident) => {
        impl $ty {
            /// The largest number of permits a semaphore can hold.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use aiosync::", stringify!($ty), ";")]
            #[doc = concat!("assert!(", stringify!($ty), "::try_new(", stringify!($ty), "::MAX_PERMITS).is_ok());")]
            /// ```
            pub const MAX_PERMITS: usize = MAX_PERMITS;

            #[doc = concat!("Waits for a permit. asyncio's `await sem.acquire()` / `async with sem`.")]
            ///
            /// The request joins the queue when the future is first polled.
            ///
            /// # Cancel safety
            ///
            #[doc = concat!("Cancel-safe; see the [type-level notes](", stringify!($ty), "#cancel-safety).")]
            ///
            /// # Examples
            ///
            /// ```
            /// # futures_executor::block_on(async {
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(1);")]
            /// let permit = sem.acquire().await;
            /// assert_eq!(sem.available_permits(), 0);
            /// # drop(permit);
            /// # });
            /// ```
            pub fn acquire(&self) -> Acquire<'_> {
                Acquire::new(&self.0, 1)
            }

            /// Like [`acquire`](Self::acquire), for a semaphore in an [`Arc`]: the permit keeps
            /// the semaphore alive and borrows nothing, so it can move into a spawned task.
            ///
            /// # Cancel safety
            ///
            #[doc = concat!("Cancel-safe; see the [type-level notes](", stringify!($ty), "#cancel-safety).")]
            ///
            /// # Examples
            ///
            /// ```
            /// # futures_executor::block_on(async {
            #[doc = concat!("let sem = std::sync::Arc::new(aiosync::", stringify!($ty), "::new(1));")]
            /// let permit = sem.acquire_owned().await;
            /// std::thread::spawn(move || drop(permit)).join().unwrap();
            /// assert_eq!(sem.available_permits(), 1);
            /// # });
            /// ```
            #[doc(alias = "acquire_arc")]
            pub fn acquire_owned(self: &Arc<Self>) -> AcquireOwned<Self> {
                AcquireOwned::new(self.clone(), 1)
            }

            /// Like [`try_acquire`](Self::try_acquire), for a semaphore in an [`Arc`].
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = std::sync::Arc::new(aiosync::", stringify!($ty), "::new(1));")]
            /// let permit = sem.try_acquire_owned().unwrap();
            /// assert!(sem.try_acquire_owned().is_none());
            /// # drop(permit);
            /// ```
            #[doc(alias = "try_acquire_arc")]
            #[must_use = "if unused the permit is released at once"]
            pub fn try_acquire_owned(self: &Arc<Self>) -> Option<OwnedSemaphorePermit<Self>> {
                self.try_acquire_many_owned(1)
            }

            /// Takes `n` permits at once if they are available and nobody is waiting, without
            /// waiting. `None` also when `n` exceeds what the semaphore can ever hold.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(3);")]
            /// let two = sem.try_acquire_many(2).unwrap();
            /// assert!(sem.try_acquire_many(2).is_none());
            /// assert_eq!(two.num_permits(), 2);
            /// ```
            #[must_use = "if unused the permits are released at once"]
            pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
                self.0.try_acquire(n)
            }

            /// Like [`try_acquire_many`](Self::try_acquire_many), for a semaphore in an [`Arc`].
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = std::sync::Arc::new(aiosync::", stringify!($ty), "::new(3));")]
            /// assert_eq!(sem.try_acquire_many_owned(3).unwrap().num_permits(), 3);
            /// ```
            #[must_use = "if unused the permits are released at once"]
            pub fn try_acquire_many_owned(self: &Arc<Self>, n: usize) -> Option<OwnedSemaphorePermit<Self>> {
                AnySemaphore::try_acquire_many_owned(self, n)
            }

            /// Blocks the current thread until a permit is acquired, for synchronous code sharing
            /// the semaphore with async code. It waits in the same FIFO queue as
            /// [`acquire`](Self::acquire).
            ///
            /// Calling it inside an async task blocks that executor thread; use `.await` there.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(1);")]
            /// let permit = sem.acquire_blocking();
            /// assert_eq!(sem.available_permits(), 0);
            /// # drop(permit);
            /// ```
            #[doc(alias = "blocking_acquire")]
            pub fn acquire_blocking(&self) -> SemaphorePermit<'_> {
                block_on(self.acquire())
            }

            /// Like [`acquire_blocking`](Self::acquire_blocking), but gives up after `timeout`:
            /// `None` then. A wait that times out leaves the queue as a dropped
            /// [`acquire`](Self::acquire) future does, passing on a permit handed to it at the
            /// last moment, so no permit is lost.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(1);")]
            /// let permit = sem.acquire_blocking_timeout(Duration::from_millis(10)).unwrap();
            /// assert!(sem.acquire_blocking_timeout(Duration::from_millis(10)).is_none());
            /// drop(permit);
            /// assert_eq!(sem.available_permits(), 1);
            /// ```
            #[must_use = "if unused the permit is released at once"]
            pub fn acquire_blocking_timeout(&self, timeout: Duration) -> Option<SemaphorePermit<'_>> {
                block_on_timeout(self.acquire(), timeout)
            }

            /// Blocks the current thread until a permit of a semaphore in an [`Arc`] is
            /// acquired: the blocking form of [`acquire_owned`](Self::acquire_owned).
            ///
            /// Calling it inside an async task blocks that executor thread; use `.await` there.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = std::sync::Arc::new(aiosync::", stringify!($ty), "::new(1));")]
            /// let permit = sem.acquire_owned_blocking();
            /// std::thread::spawn(move || drop(permit)).join().unwrap();
            /// assert_eq!(sem.available_permits(), 1);
            /// ```
            #[doc(alias = "blocking_acquire_owned")]
            #[doc(alias = "acquire_arc_blocking")]
            pub fn acquire_owned_blocking(self: &Arc<Self>) -> OwnedSemaphorePermit<Self> {
                block_on(self.acquire_owned())
            }

            /// Like [`acquire_owned_blocking`](Self::acquire_owned_blocking), but gives up after
            /// `timeout`: `None` then, with nothing lost (see
            /// [`acquire_blocking_timeout`](Self::acquire_blocking_timeout)).
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            #[doc = concat!("let sem = std::sync::Arc::new(aiosync::", stringify!($ty), "::new(1));")]
            /// let permit = sem.acquire_owned_blocking_timeout(Duration::from_millis(10)).unwrap();
            /// assert!(sem.acquire_owned_blocking_timeout(Duration::from_millis(10)).is_none());
            /// # drop(permit);
            /// ```
            #[must_use = "if unused the permit is released at once"]
            pub fn acquire_owned_blocking_timeout(
                self: &Arc<Self>,
                timeout: Duration,
            ) -> Option<OwnedSemaphorePermit<Self>> {
                block_on_timeout(self.acquire_owned(), timeout)
            }

            /// Takes a permit if one is available and nobody is waiting, without waiting.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(1);")]
            /// let permit = sem.try_acquire().unwrap();
            /// assert!(sem.try_acquire().is_none());
            /// # drop(permit);
            /// ```
            #[must_use = "if unused the permit is released at once"]
            pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
                self.0.try_acquire(1)
            }

            /// The number of permits that can be acquired right now.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(3);")]
            /// assert_eq!(sem.available_permits(), 3);
            /// ```
            pub fn available_permits(&self) -> usize {
                self.0.raw.available()
            }

            /// Whether [`acquire`](Self::acquire) would wait: no permit is available, or tasks
            /// wait first (asyncio's FIFO rule: a waiter granted permits that has not resumed yet
            /// still counts, so newcomers queue even while spare permits exist). asyncio's
            /// `locked()`. Under [`Fairness::Bounded`], waiting tasks hold an acquire back only
            /// once the oldest of them has been bypassed as often as allowed.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(0);")]
            /// assert!(sem.locked());
            /// ```
            pub fn locked(&self) -> bool {
                self.0.raw.locked()
            }

            /// How many tasks wait for permits (a snapshot, taken without locking): those
            /// queued, plus those granted their permits that have not resumed yet, as asyncio's
            /// `_waiters` holds both. A task leaves the count when its acquire completes or is
            /// dropped.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("assert_eq!(aiosync::", stringify!($ty), "::new(1).waiters(), 0);")]
            /// ```
            pub fn waiters(&self) -> usize {
                self.0.raw.waiters()
            }

            /// The policy this semaphore serves its waiters by.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("assert_eq!(aiosync::", stringify!($ty), "::new(1).fairness(), aiosync::Fairness::Fifo);")]
            /// ```
            pub fn fairness(&self) -> Fairness {
                self.0.raw.fairness()
            }
        }

        impl super::private::Sealed for $ty {
            fn counter(&self) -> &Counter {
                &self.0
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut d = f.debug_struct(stringify!($ty));
                d.field("available_permits", &self.available_permits());
                if self.0.bound != UNBOUNDED {
                    d.field("bound", &self.0.bound);
                }
                if self.fairness() != Fairness::Fifo {
                    d.field("fairness", &self.fairness());
                }
                d.field("waiters", &self.waiters()).finish()
            }
        }
    };
}

shared_methods!(Semaphore);
shared_methods!(BoundedSemaphore);

// A waker that panics finds the semaphores consistent: every state change is committed before
// user code runs. Only the waiter queue's `UnsafeCell` keeps these from being automatic.
impl UnwindSafe for Semaphore {}
impl RefUnwindSafe for Semaphore {}
impl UnwindSafe for BoundedSemaphore {}
impl RefUnwindSafe for BoundedSemaphore {}
