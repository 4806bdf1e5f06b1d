//! The methods both semaphores share, written once: [`shared_methods!`] emits them, with their
//! documentation and examples, for [`Semaphore`] and for [`BoundedSemaphore`].

use core::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use super::counter::{Counter, UNBOUNDED};
use super::{
    Acquire, AcquireOwned, AnySemaphore, BoundedSemaphore, MAX_PERMITS, OverRelease,
    OwnedSemaphorePermit, Semaphore, SemaphorePermit, TooManyPermits,
};
use crate::Fairness;
use crate::blocking::{block_on, block_on_timeout};

/// What differs between the two semaphores, by kind: `unbounded` for [`Semaphore`], `bounded` for
/// [`BoundedSemaphore`]. A request for more permits than a `Semaphore` can ever hold can only be a
/// bug, so it panics; a `BoundedSemaphore`'s bound is a limit its callers meet, so they get an
/// error to handle.
macro_rules! by_kind {
    // Whether `new(permits)` bounds the count at `permits`.
    (unbounded, bounded) => { false };
    (bounded, bounded) => { true };
    // What `new` makes, and what it says of the bound.
    (unbounded, made) => { "a semaphore" };
    (bounded, made) => { "a bounded semaphore" };
    (unbounded, bound_note) => { "" };
    (bounded, bound_note) => { ", which is also its bound" };
    // The return type of a request checked against what the semaphore can hold, and its value
    // from the check's `Result`.
    (unbounded, checked $t:ty) => { $t };
    (bounded, checked $t:ty) => { Result<$t, TooManyPermits> };
    (unbounded, check $r:expr) => { $r.unwrap_or_else(|e| panic!("{e}")) };
    (bounded, check $r:expr) => { $r };
    // The docs of such a request: the section, what fails, and what an example writes after it.
    (unbounded, refused) => { "# Panics" };
    (bounded, refused) => { "# Errors" };
    (unbounded, too_many) => {
        "If `n` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS), since such a request could never be \
         served."
    };
    (bounded, too_many) => {
        "[`TooManyPermits`], at once rather than a wait that never ends, if `n` exceeds the bound."
    };
    (unbounded, try) => { "" };
    (bounded, try) => { "?" };
    // `AnySemaphore::release_many`, from the type's own: a `Semaphore`'s refuses nothing (it
    // panics on overflow), so it is always `Ok`.
    (unbounded, release $e:expr) => {{
        $e;
        Ok(())
    }};
    (bounded, release $e:expr) => { $e };
    // A resize that leaves a deficit of one, for examples.
    (unbounded, shrink_by_one) => { "sem.reduce_permits(1);" };
    (bounded, shrink_by_one) => { "sem.set_bound(0);" };
}

/// The methods both semaphores share, with the same code and documentation; what differs is
/// taken [`by_kind!`].
macro_rules! shared_methods {
    ($ty:ident, $kind:ident) => {
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

            /// Waits for a permit. asyncio's `await sem.acquire()` / `async with sem`.
            ///
            /// The request joins the wait list when the future is first polled.
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
                AcquireOwned::new(self, 1)
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
                OwnedSemaphorePermit::try_new(self, n)
            }

            /// Blocks the current thread until a permit is acquired, for synchronous code sharing
            /// the semaphore with async code. It waits in the same FIFO wait list as
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
            /// `None` then. A wait that times out leaves the wait list as a dropped
            /// [`acquire`](Self::acquire) future does, passing on a permit handed to it at the
            /// last moment, so no permit is lost.
            ///
            /// Calling it inside an async task blocks that executor thread; use `.await` there.
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
            /// Calling it inside an async task blocks that executor thread; use `.await` there.
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

            /// How many permits the semaphore owes after a resize that could not take them all
            /// (a snapshot, taken without locking): the next permits released repay it before
            /// any waiter is served or any permit becomes available. While it is above zero no
            /// permit is available.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(1);")]
            /// let permit = sem.try_acquire().unwrap();
            #[doc = by_kind!($kind, shrink_by_one)]
            /// assert_eq!(sem.deficit(), 1);
            /// drop(permit); // repays it
            /// assert_eq!((sem.deficit(), sem.available_permits()), (0, 0));
            /// ```
            pub fn deficit(&self) -> usize {
                self.0.raw.deficit()
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

            crate::loom::const_fn! {
                #[doc = concat!("Creates ", by_kind!($kind, made), " with `permits` permits", by_kind!($kind, bound_note), ". A `const fn`, so")]
                #[doc = concat!(by_kind!($kind, made), " can be a `static`.")]
                ///
                /// # Examples
                ///
                /// ```
                #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(4);")]
                /// assert_eq!(sem.available_permits(), 4);
                /// ```
                ///
                /// ```
                #[doc = concat!("static CONNECTIONS: aiosync::", stringify!($ty), " = aiosync::", stringify!($ty), "::new(10);")]
                ///
                /// let permit = CONNECTIONS.acquire_blocking();
                /// assert_eq!(CONNECTIONS.available_permits(), 9);
                /// # drop(permit);
                /// ```
                ///
                /// # Panics
                ///
                /// If `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS);
                /// [`try_new`](Self::try_new) returns an error instead. In a `const` or `static`
                /// initializer that is a compile error:
                ///
                /// ```compile_fail,E0080
                #[doc = concat!("static TOO_MANY: aiosync::", stringify!($ty), " = aiosync::", stringify!($ty), "::new(usize::MAX);")]
                /// ```
                #[doc(alias = "const_new")]
                pub fn new(permits: usize) -> Self {
                    match Self::try_new(permits) {
                        Ok(sem) => sem,
                        Err(_) => {
                            panic!("too many permits: a semaphore can hold at most MAX_PERMITS")
                        }
                    }
                }
            }

            crate::loom::const_fn! {
                #[doc = concat!("Creates ", by_kind!($kind, made), " with `permits` permits, or fails if there are too many.")]
                ///
                /// # Examples
                ///
                /// ```
                #[doc = concat!("use aiosync::", stringify!($ty), ";")]
                #[doc = concat!("assert!(", stringify!($ty), "::try_new(", stringify!($ty), "::MAX_PERMITS + 1).is_err());")]
                /// ```
                ///
                /// # Errors
                ///
                /// [`TooManyPermits`] if `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS).
                pub fn try_new(permits: usize) -> Result<Self, TooManyPermits> {
                    match Counter::new(permits, by_kind!($kind, bounded), Fairness::Fifo) {
                        Ok(counter) => Ok($ty(counter)),
                        Err(e) => Err(e),
                    }
                }
            }

            crate::loom::const_fn! {
                #[doc = concat!("Creates ", by_kind!($kind, made), " with `permits` permits that serves its waiters by `fairness`.")]
                /// [`new`](Self::new) is `with_fairness(permits, Fairness::Fifo)`.
                ///
                /// # Fairness
                ///
                /// Under [`Fairness::Bounded`]`(k)` an acquire that does not queue may take
                /// permits ahead of the oldest waiter at most `k` times; after that, released
                /// permits are set aside for that waiter until its request is covered. See
                /// [`Fairness`].
                ///
                /// # Examples
                ///
                /// ```
                #[doc = concat!("use aiosync::{", stringify!($ty), ", Fairness};")]
                ///
                #[doc = concat!("static POOL: ", stringify!($ty), " = ", stringify!($ty), "::with_fairness(8, Fairness::BOUNDED);")]
                /// assert_eq!(POOL.fairness(), Fairness::BOUNDED);
                /// ```
                ///
                /// # Panics
                ///
                /// As [`new`](Self::new), if `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS).
                pub fn with_fairness(permits: usize, fairness: Fairness) -> Self {
                    match Counter::new(permits, by_kind!($kind, bounded), fairness) {
                        Ok(counter) => $ty(counter),
                        Err(_) => {
                            panic!("too many permits: a semaphore can hold at most MAX_PERMITS")
                        }
                    }
                }
            }

            /// Waits for `n` permits at once; the permit object holds all of them.
            ///
            /// The request is served in FIFO order as a whole: permits released while it is at the
            /// head of the wait list are set aside for it, so smaller requests behind it cannot starve
            /// it. A request for 0 permits takes nothing and so overtakes nobody: it completes at
            /// once, even while others wait (as tokio's does).
            ///
            /// # Cancel safety
            ///
            /// Cancel-safe: dropping the future gives back any permits already set aside for it.
            ///
            /// # Examples
            ///
            /// ```
            /// # futures_executor::block_on(async {
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(5);")]
            #[doc = concat!("let three = sem.acquire_many(3)", by_kind!($kind, try), ".await;")]
            /// assert_eq!(sem.available_permits(), 2);
            /// # drop(three);
            /// # Ok::<(), aiosync::TooManyPermits>(())
            /// # }).unwrap();
            /// ```
            ///
            #[doc = by_kind!($kind, refused)]
            ///
            #[doc = by_kind!($kind, too_many)]
            pub fn acquire_many(&self, n: usize) -> by_kind!($kind, checked Acquire<'_>) {
                by_kind!($kind, check Acquire::checked(&self.0, n))
            }

            /// Like [`acquire_many`](Self::acquire_many), for a semaphore in an [`Arc`].
            ///
            /// # Examples
            ///
            /// ```
            /// # futures_executor::block_on(async {
            #[doc = concat!("let sem = std::sync::Arc::new(aiosync::", stringify!($ty), "::new(2));")]
            #[doc = concat!("assert_eq!(sem.acquire_many_owned(2)", by_kind!($kind, try), ".await.num_permits(), 2);")]
            /// # Ok::<(), aiosync::TooManyPermits>(())
            /// # }).unwrap();
            /// ```
            ///
            #[doc = by_kind!($kind, refused)]
            ///
            /// As [`acquire_many`](Self::acquire_many).
            pub fn acquire_many_owned(
                self: &Arc<Self>,
                n: usize,
            ) -> by_kind!($kind, checked AcquireOwned<Self>) {
                by_kind!($kind, check AcquireOwned::checked(self, n))
            }

            /// Blocks the current thread until `n` permits are acquired at once: the blocking form
            /// of [`acquire_many`](Self::acquire_many), in the same FIFO wait list.
            ///
            /// Calling it inside an async task blocks that executor thread; use `.await` there.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(3);")]
            #[doc = concat!("assert_eq!(sem.acquire_many_blocking(2)", by_kind!($kind, try), ".num_permits(), 2);")]
            /// # Ok::<(), aiosync::TooManyPermits>(())
            /// ```
            ///
            #[doc = by_kind!($kind, refused)]
            ///
            /// As [`acquire_many`](Self::acquire_many), at once.
            #[doc(alias = "blocking_acquire_many")]
            pub fn acquire_many_blocking(
                &self,
                n: usize,
            ) -> by_kind!($kind, checked SemaphorePermit<'_>) {
                by_kind!($kind, check Acquire::checked(&self.0, n).map(block_on))
            }

            /// Like [`acquire_many_blocking`](Self::acquire_many_blocking), but gives up after
            /// `timeout`: the permit is `None` then. Permits already set aside for the request go
            /// to the next waiters or back to the count, as when an
            /// [`acquire_many`](Self::acquire_many) future is dropped.
            ///
            /// Calling it inside an async task blocks that executor thread; use `.await` there.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            #[doc = concat!("let sem = aiosync::", stringify!($ty), "::new(2);")]
            /// let one = sem.try_acquire().unwrap();
            /// let ten_ms = Duration::from_millis(10);
            #[doc = concat!("assert!(sem.acquire_many_blocking_timeout(2, ten_ms)", by_kind!($kind, try), ".is_none());")]
            /// assert_eq!(sem.available_permits(), 1); // the one it had set aside came back
            /// # drop(one);
            /// # Ok::<(), aiosync::TooManyPermits>(())
            /// ```
            ///
            #[doc = by_kind!($kind, refused)]
            ///
            /// As [`acquire_many`](Self::acquire_many), at once.
            #[must_use = "if unused the permits are released at once"]
            pub fn acquire_many_blocking_timeout(
                &self,
                n: usize,
                timeout: Duration,
            ) -> by_kind!($kind, checked Option<SemaphorePermit<'_>>) {
                by_kind!($kind, check Acquire::checked(&self.0, n)
                    .map(|acquire| block_on_timeout(acquire, timeout)))
            }

            /// The blocking form of [`acquire_many_owned`](Self::acquire_many_owned).
            ///
            /// Calling it inside an async task blocks that executor thread; use `.await` there.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let sem = std::sync::Arc::new(aiosync::", stringify!($ty), "::new(2));")]
            #[doc = concat!("assert_eq!(sem.acquire_many_owned_blocking(2)", by_kind!($kind, try), ".num_permits(), 2);")]
            /// # Ok::<(), aiosync::TooManyPermits>(())
            /// ```
            ///
            #[doc = by_kind!($kind, refused)]
            ///
            /// As [`acquire_many`](Self::acquire_many), at once.
            #[doc(alias = "blocking_acquire_many_owned")]
            pub fn acquire_many_owned_blocking(
                self: &Arc<Self>,
                n: usize,
            ) -> by_kind!($kind, checked OwnedSemaphorePermit<Self>) {
                by_kind!($kind, check AcquireOwned::checked(self, n).map(block_on))
            }

            /// Like [`acquire_many_owned_blocking`](Self::acquire_many_owned_blocking), but gives
            /// up after `timeout`: the permit is `None` then, with nothing lost.
            ///
            /// Calling it inside an async task blocks that executor thread; use `.await` there.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            #[doc = concat!("let sem = std::sync::Arc::new(aiosync::", stringify!($ty), "::new(2));")]
            /// let ten_ms = Duration::from_millis(10);
            #[doc = concat!("assert!(sem.acquire_many_owned_blocking_timeout(2, ten_ms)", by_kind!($kind, try), ".is_some());")]
            /// # Ok::<(), aiosync::TooManyPermits>(())
            /// ```
            ///
            #[doc = by_kind!($kind, refused)]
            ///
            /// As [`acquire_many`](Self::acquire_many), at once.
            #[must_use = "if unused the permits are released at once"]
            pub fn acquire_many_owned_blocking_timeout(
                self: &Arc<Self>,
                n: usize,
                timeout: Duration,
            ) -> by_kind!($kind, checked Option<OwnedSemaphorePermit<Self>>) {
                by_kind!($kind, check AcquireOwned::checked(self, n)
                    .map(|acquire| block_on_timeout(acquire, timeout)))
            }
        }

        // A waker that panics finds the semaphores consistent: every state change is committed
        // before user code runs. Only the wait list's `UnsafeCell` keeps these from being
        // automatic.
        impl UnwindSafe for $ty {}
        impl RefUnwindSafe for $ty {}

        impl super::private::Sealed for $ty {
            fn counter(&self) -> &Counter {
                &self.0
            }
        }

        impl AnySemaphore for $ty {
            fn release_many(&self, n: usize) -> Result<(), OverRelease> {
                by_kind!($kind, release $ty::release_many(self, n))
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut d = f.debug_struct(stringify!($ty));
                d.field("available_permits", &self.available_permits());
                let bound = self.0.bound();
                if bound != UNBOUNDED {
                    d.field("bound", &bound);
                }
                let deficit = self.deficit();
                if deficit != 0 {
                    d.field("deficit", &deficit);
                }
                if self.fairness() != Fairness::Fifo {
                    d.field("fairness", &self.fairness());
                }
                d.field("waiters", &self.waiters()).finish()
            }
        }
    };
}

shared_methods!(Semaphore, unbounded);
shared_methods!(BoundedSemaphore, bounded);
