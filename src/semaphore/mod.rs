//! [`Semaphore`] and [`BoundedSemaphore`]: asyncio's counting semaphores, one implementation.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use futures_core::FusedFuture;
use pin_project_lite::pin_project;

use crate::Fairness;
use crate::blocking::{block_on, block_on_timeout};
use crate::loom::{AtomicUsize, Ordering};
use crate::permits::{MAX_PERMITS, RawSemaphore};
use crate::queue::{Waiter, WaiterState};

use private::Counter;

/// Above [`MAX_PERMITS`], so never a real bound.
const UNBOUNDED: usize = usize::MAX;

impl Counter {
    crate::loom::const_fn! {
        fn new(
            permits: usize,
            bound: usize,
            fairness: Fairness,
        ) -> Result<Self, TooManyPermits> {
            if permits > MAX_PERMITS {
                return Err(TooManyPermits {
                    requested: permits,
                    max: MAX_PERMITS,
                });
            }
            // `Ord::min` is not `const`.
            let max = if bound < MAX_PERMITS { bound } else { MAX_PERMITS };
            Ok(Counter {
                raw: RawSemaphore::new(permits, fairness),
                bound,
                headroom: AtomicUsize::new(max - permits),
            })
        }
    }
}

impl Counter {
    /// Fails if `n` permits could never be held at once: above the bound or [`MAX_PERMITS`].
    fn check_request(&self, n: usize) -> Result<(), TooManyPermits> {
        let max = self.bound.min(MAX_PERMITS);
        if n > max {
            return Err(TooManyPermits { requested: n, max });
        }
        Ok(())
    }

    fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            sem: self,
            n,
            node: Waiter::new(),
        }
    }

    fn try_acquire(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.check_request(n).ok()?;
        self.raw
            .try_acquire(n)
            .then(|| SemaphorePermit { sem: self, n })
    }
}

/// [`Semaphore`] or [`BoundedSemaphore`], for code generic over both; also what an
/// [`OwnedSemaphorePermit`] can come from. Sealed.
///
/// Its methods are the semaphores' own, with one signature that suits both where theirs differ:
///
/// - [`acquire_many`](AnySemaphore::acquire_many) returns a `Result`, as
///   [`BoundedSemaphore::acquire_many`] does: [`TooManyPermits`] when `n` is more than the
///   semaphore can ever hold (its bound, or `MAX_PERMITS` for a [`Semaphore`], whose own
///   `acquire_many` panics there).
/// - [`release`](AnySemaphore::release) returns `Result<(), OverRelease>`, as
///   [`BoundedSemaphore::release`] does. For a [`Semaphore`] it is always `Ok`: it has no bound,
///   and above `MAX_PERMITS` it panics as [`Semaphore::release`] does, because an overflow is a
///   bug rather than an outcome to handle.
///
/// The semaphores' inherent methods take precedence, so importing the trait changes nothing for
/// code that names a concrete type.
///
/// # Examples
///
/// ```
/// use aiosync::{AnySemaphore, BoundedSemaphore, Semaphore};
///
/// /// Runs `job` with `n` permits of either kind of semaphore.
/// async fn with_permits<S: AnySemaphore>(sem: &S, n: usize, job: impl FnOnce()) -> Result<(), aiosync::TooManyPermits> {
///     let permits = sem.acquire_many(n)?.await;
///     job();
///     drop(permits);
///     Ok(())
/// }
///
/// # futures_executor::block_on(async {
/// let (sem, bounded) = (Semaphore::new(3), BoundedSemaphore::new(2));
/// with_permits(&sem, 3, || assert!(sem.locked())).await.unwrap();
/// with_permits(&bounded, 2, || assert_eq!(bounded.available_permits(), 0)).await.unwrap();
/// assert!(with_permits(&bounded, 3, || ()).await.is_err()); // above the bound
/// # });
/// ```
pub trait AnySemaphore: private::Sealed + Sized {
    /// Waits for a permit: [`Semaphore::acquire`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see [`Semaphore`'s notes](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// async fn one<S: AnySemaphore>(sem: &S) -> usize {
    ///     sem.acquire().await.num_permits()
    /// }
    /// assert_eq!(futures_executor::block_on(one(&BoundedSemaphore::new(1))), 1);
    /// ```
    fn acquire(&self) -> Acquire<'_> {
        self.counter().acquire(1)
    }

    /// Waits for `n` permits at once: [`BoundedSemaphore::acquire_many`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see [`Semaphore`'s notes](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, Semaphore};
    /// fn too_many<S: AnySemaphore>(sem: &S) -> bool {
    ///     sem.acquire_many(usize::MAX).is_err()
    /// }
    /// assert!(too_many(&Semaphore::new(1))); // an error here, not a panic
    /// ```
    ///
    /// # Errors
    ///
    /// [`TooManyPermits`] if `n` exceeds the bound, or `MAX_PERMITS` for a [`Semaphore`].
    fn acquire_many(&self, n: usize) -> Result<Acquire<'_>, TooManyPermits> {
        let counter = self.counter();
        counter.check_request(n)?;
        Ok(counter.acquire(n))
    }

    /// Waits for a permit of a semaphore in an [`Arc`]: [`Semaphore::acquire_owned`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see [`Semaphore`'s notes](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{AnySemaphore, OwnedSemaphorePermit, Semaphore};
    /// async fn take<S: AnySemaphore>(sem: &Arc<S>) -> OwnedSemaphorePermit<S> {
    ///     sem.acquire_owned().await
    /// }
    /// let permit = futures_executor::block_on(take(&Arc::new(Semaphore::new(1))));
    /// # drop(permit);
    /// ```
    fn acquire_owned(self: &Arc<Self>) -> AcquireOwned<Self> {
        AcquireOwned::new(self.clone(), 1)
    }

    /// Waits for `n` permits of a semaphore in an [`Arc`]:
    /// [`BoundedSemaphore::acquire_many_owned`].
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe; see [`Semaphore`'s notes](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// fn too_many<S: AnySemaphore>(sem: &Arc<S>) -> bool {
    ///     sem.acquire_many_owned(3).is_err()
    /// }
    /// assert!(too_many(&Arc::new(BoundedSemaphore::new(2))));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](AnySemaphore::acquire_many).
    fn acquire_many_owned(
        self: &Arc<Self>,
        n: usize,
    ) -> Result<AcquireOwned<Self>, TooManyPermits> {
        self.counter().check_request(n)?;
        Ok(AcquireOwned::new(self.clone(), n))
    }

    /// Takes a permit without waiting: [`Semaphore::try_acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, Semaphore};
    /// fn busy<S: AnySemaphore>(sem: &S) -> bool {
    ///     sem.try_acquire().is_none()
    /// }
    /// assert!(busy(&Semaphore::new(0)));
    /// ```
    #[must_use = "if unused the permit is released at once"]
    fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.counter().try_acquire(1)
    }

    /// Takes `n` permits without waiting: [`Semaphore::try_acquire_many`].
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// fn room_for<S: AnySemaphore>(sem: &S, n: usize) -> bool {
    ///     sem.try_acquire_many(n).is_some()
    /// }
    /// assert!(room_for(&BoundedSemaphore::new(2), 2));
    /// ```
    #[must_use = "if unused the permits are released at once"]
    fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.counter().try_acquire(n)
    }

    /// Takes a permit of a semaphore in an [`Arc`] without waiting:
    /// [`Semaphore::try_acquire_owned`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// fn busy<S: AnySemaphore>(sem: &Arc<S>) -> bool {
    ///     sem.try_acquire_owned().is_none()
    /// }
    /// assert!(!busy(&Arc::new(BoundedSemaphore::new(1))));
    /// ```
    #[must_use = "if unused the permit is released at once"]
    fn try_acquire_owned(self: &Arc<Self>) -> Option<OwnedSemaphorePermit<Self>> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits of a semaphore in an [`Arc`] without waiting:
    /// [`Semaphore::try_acquire_many_owned`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aiosync::{AnySemaphore, Semaphore};
    /// fn room_for<S: AnySemaphore>(sem: &Arc<S>, n: usize) -> bool {
    ///     sem.try_acquire_many_owned(n).is_some()
    /// }
    /// assert!(!room_for(&Arc::new(Semaphore::new(2)), 3));
    /// ```
    #[must_use = "if unused the permits are released at once"]
    fn try_acquire_many_owned(self: &Arc<Self>, n: usize) -> Option<OwnedSemaphorePermit<Self>> {
        let permit = self.counter().try_acquire(n)?;
        permit.disarm();
        Some(OwnedSemaphorePermit {
            sem: self.clone(),
            n,
        })
    }

    /// The number of permits that can be acquired right now:
    /// [`Semaphore::available_permits`].
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// fn free<S: AnySemaphore>(sem: &S) -> usize {
    ///     sem.available_permits()
    /// }
    /// assert_eq!(free(&BoundedSemaphore::new(3)), 3);
    /// ```
    fn available_permits(&self) -> usize {
        self.counter().raw.available()
    }

    /// Whether an acquire would wait: [`Semaphore::locked`].
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, Semaphore};
    /// fn would_wait<S: AnySemaphore>(sem: &S) -> bool {
    ///     sem.locked()
    /// }
    /// assert!(would_wait(&Semaphore::new(0)));
    /// ```
    fn locked(&self) -> bool {
        self.counter().raw.locked()
    }

    /// How many tasks wait for permits: [`Semaphore::waiters`].
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, Semaphore};
    /// fn queue_length<S: AnySemaphore>(sem: &S) -> usize {
    ///     sem.waiters()
    /// }
    /// assert_eq!(queue_length(&Semaphore::new(1)), 0);
    /// ```
    fn waiters(&self) -> usize {
        self.counter().raw.waiters()
    }

    /// Gives back a permit: [`BoundedSemaphore::release`], or [`Semaphore::release`] made to
    /// return `Ok` (see the [trait's notes](AnySemaphore)).
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, BoundedSemaphore, Semaphore};
    /// fn give_back<S: AnySemaphore>(sem: &S) -> bool {
    ///     sem.release().is_ok()
    /// }
    /// assert!(give_back(&Semaphore::new(1))); // no bound
    /// assert!(!give_back(&BoundedSemaphore::new(1))); // already at its bound
    /// ```
    ///
    /// # Panics
    ///
    /// For a [`Semaphore`], as [`Semaphore::release`]: if the count would exceed `MAX_PERMITS`.
    ///
    /// # Errors
    ///
    /// For a [`BoundedSemaphore`], as [`BoundedSemaphore::release`]: [`OverRelease`] if the count
    /// is already at the bound.
    fn release(&self) -> Result<(), OverRelease> {
        self.release_many(1)
    }

    /// Gives back `n` permits: [`BoundedSemaphore::release_many`], or
    /// [`Semaphore::release_many`] made to return `Ok`.
    ///
    /// # Examples
    ///
    /// ```
    /// use aiosync::{AnySemaphore, BoundedSemaphore};
    /// fn give_back<S: AnySemaphore>(sem: &S, n: usize) -> bool {
    ///     sem.release_many(n).is_ok()
    /// }
    /// let sem = BoundedSemaphore::new(2);
    /// sem.try_acquire_many(2).unwrap().forget();
    /// assert!(!give_back(&sem, 3));
    /// assert!(give_back(&sem, 2));
    /// ```
    ///
    /// # Panics
    ///
    /// For a [`Semaphore`], as [`Semaphore::release_many`].
    ///
    /// # Errors
    ///
    /// For a [`BoundedSemaphore`], as [`BoundedSemaphore::release_many`].
    fn release_many(&self, n: usize) -> Result<(), OverRelease>;
}

impl AnySemaphore for Semaphore {
    fn release_many(&self, n: usize) -> Result<(), OverRelease> {
        Semaphore::release_many(self, n);
        Ok(())
    }
}

impl AnySemaphore for BoundedSemaphore {
    fn release_many(&self, n: usize) -> Result<(), OverRelease> {
        BoundedSemaphore::release_many(self, n)
    }
}

/// Public (so the sealed trait can name it) but unreachable from outside the crate.
mod private {
    use super::{AtomicUsize, RawSemaphore};

    /// What both semaphores are made of.
    pub struct Counter {
        pub(super) raw: RawSemaphore<true>,
        /// The bound of a [`BoundedSemaphore`]; [`UNBOUNDED`] for a plain [`Semaphore`].
        pub(super) bound: usize,
        /// How many permits `release` may still add: the bound (or [`MAX_PERMITS`]) minus the
        /// permits in circulation, available or held by live permit objects. `forget` raises it,
        /// `release` lowers it and is refused when it would go below zero. So available plus held
        /// permits never exceed [`MAX_PERMITS`]: dropping or merging permits cannot overflow.
        pub(super) headroom: AtomicUsize,
    }

    pub trait Sealed {
        fn counter(&self) -> &Counter;
    }

    impl Sealed for super::Semaphore {
        fn counter(&self) -> &Counter {
            &self.0
        }
    }

    impl Sealed for super::BoundedSemaphore {
        fn counter(&self) -> &Counter {
            &self.0
        }
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.raw.available())
            .field("waiters", &self.raw.waiters())
            .finish()
    }
}

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
/// place in the queue, and a permit already handed to it goes to the next waiter (or back to the
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
pub struct Semaphore(Counter);

/// asyncio's `BoundedSemaphore`: a [`Semaphore`] whose count can never rise above its initial
/// value.
///
/// Permits returned by dropping a [`SemaphorePermit`] can never exceed the bound, so the only
/// way to try is an explicit [`release`](BoundedSemaphore::release), which returns
/// [`OverRelease`] instead of raising the count (asyncio's `ValueError`).
///
/// # Fairness
///
/// As for [`Semaphore`]: strict FIFO, permits handed directly to the oldest waiter, no barging,
/// unless made with [`with_fairness`](BoundedSemaphore::with_fairness).
///
/// # Cancel safety
///
/// As for [`Semaphore`]: [`acquire`](BoundedSemaphore::acquire) is cancel-safe.
///
/// # Examples
///
/// ```
/// use aiosync::BoundedSemaphore;
///
/// # futures_executor::block_on(async {
/// let sem = BoundedSemaphore::new(1);
/// assert!(sem.release().is_err()); // already at its bound
///
/// sem.acquire().await.forget(); // asyncio's `await sem.acquire()`
/// assert!(sem.release().is_ok()); // asyncio's `sem.release()`
/// # });
/// ```
///
/// # Errors
///
/// [`release`](BoundedSemaphore::release) fails with [`OverRelease`] when the count is already at
/// the bound.
pub struct BoundedSemaphore(Counter);

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
                self.0.acquire(1)
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

impl Semaphore {
    crate::loom::const_fn! {
        /// Creates a semaphore with `permits` permits. A `const fn`, so a semaphore can be a
        /// `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// let sem = aiosync::Semaphore::new(4);
        /// assert_eq!(sem.available_permits(), 4);
        /// ```
        ///
        /// ```
        /// static CONNECTIONS: aiosync::Semaphore = aiosync::Semaphore::new(10);
        ///
        /// let permit = CONNECTIONS.acquire_blocking();
        /// assert_eq!(CONNECTIONS.available_permits(), 9);
        /// # drop(permit);
        /// ```
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`Semaphore::MAX_PERMITS`]; [`try_new`](Semaphore::try_new)
        /// returns an error instead. In a `const` or `static` initializer that is a compile error:
        ///
        /// ```compile_fail,E0080
        /// static TOO_MANY: aiosync::Semaphore = aiosync::Semaphore::new(usize::MAX);
        /// ```
        #[doc(alias = "const_new")]
        pub fn new(permits: usize) -> Self {
            match Self::try_new(permits) {
                Ok(sem) => sem,
                Err(_) => panic!("too many permits: a semaphore can hold at most MAX_PERMITS"),
            }
        }
    }

    crate::loom::const_fn! {
        /// Creates a semaphore with `permits` permits, or fails if there are too many.
        ///
        /// # Examples
        ///
        /// ```
        /// use aiosync::Semaphore;
        /// assert!(Semaphore::try_new(Semaphore::MAX_PERMITS + 1).is_err());
        /// ```
        ///
        /// # Errors
        ///
        /// [`TooManyPermits`] if `permits` exceeds [`Semaphore::MAX_PERMITS`].
        pub fn try_new(permits: usize) -> Result<Self, TooManyPermits> {
            match Counter::new(permits, UNBOUNDED, Fairness::Fifo) {
                Ok(counter) => Ok(Semaphore(counter)),
                Err(e) => Err(e),
            }
        }
    }

    crate::loom::const_fn! {
        /// Creates a semaphore with `permits` permits that serves its waiters by `fairness`.
        /// [`new`](Semaphore::new) is `with_fairness(permits, Fairness::Fifo)`.
        ///
        /// # Fairness
        ///
        /// Under [`Fairness::Bounded`]`(k)` an acquire that does not queue may take permits
        /// ahead of the oldest waiter at most `k` times; after that, released permits are set
        /// aside for that waiter until its request is covered. See [`Fairness`].
        ///
        /// # Examples
        ///
        /// ```
        /// use aiosync::{Semaphore, Fairness};
        ///
        /// static POOL: Semaphore = Semaphore::with_fairness(8, Fairness::BOUNDED);
        /// assert_eq!(POOL.fairness(), Fairness::BOUNDED);
        /// ```
        ///
        /// # Panics
        ///
        /// As [`new`](Semaphore::new), if `permits` exceeds [`Semaphore::MAX_PERMITS`].
        pub fn with_fairness(permits: usize, fairness: Fairness) -> Self {
            match Counter::new(permits, UNBOUNDED, fairness) {
                Ok(counter) => Semaphore(counter),
                Err(_) => panic!("too many permits: a semaphore can hold at most MAX_PERMITS"),
            }
        }
    }

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
    /// If the permits in circulation (available, plus those held by live permit objects) would
    /// exceed [`Semaphore::MAX_PERMITS`]; nothing changes then. So dropping or merging permits
    /// never can.
    pub fn release(&self) {
        self.release_many(1);
    }

    /// Waits for `n` permits at once; the permit object holds all of them.
    ///
    /// The request is served in FIFO order as a whole: permits released while it is at the head
    /// of the queue are set aside for it, so smaller requests behind it cannot starve it. A
    /// request for 0 permits takes nothing and so overtakes nobody: it completes at once, even
    /// while others wait (as tokio's does).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives back any permits already set aside for it.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = aiosync::Semaphore::new(5);
    /// let three = sem.acquire_many(3).await;
    /// assert_eq!(sem.available_permits(), 2);
    /// # drop(three);
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`Semaphore::MAX_PERMITS`], since such a request could never be served.
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        self.0.check_request(n).unwrap_or_else(|e| panic!("{e}"));
        self.0.acquire(n)
    }

    /// Like [`acquire_many`](Semaphore::acquire_many), for a semaphore in an [`Arc`].
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = std::sync::Arc::new(aiosync::Semaphore::new(2));
    /// assert_eq!(sem.acquire_many_owned(2).await.num_permits(), 2);
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// As [`acquire_many`](Semaphore::acquire_many).
    pub fn acquire_many_owned(self: &Arc<Self>, n: usize) -> AcquireOwned<Self> {
        self.0.check_request(n).unwrap_or_else(|e| panic!("{e}"));
        AcquireOwned::new(self.clone(), n)
    }

    /// Blocks the current thread until `n` permits are acquired at once: the blocking form of
    /// [`acquire_many`](Semaphore::acquire_many), in the same FIFO queue.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::Semaphore::new(3);
    /// assert_eq!(sem.acquire_many_blocking(2).num_permits(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`acquire_many`](Semaphore::acquire_many).
    #[doc(alias = "blocking_acquire_many")]
    pub fn acquire_many_blocking(&self, n: usize) -> SemaphorePermit<'_> {
        block_on(self.acquire_many(n))
    }

    /// Like [`acquire_many_blocking`](Semaphore::acquire_many_blocking), but gives up after
    /// `timeout`: `None` then. Permits already set aside for the request go to the next waiters
    /// or back to the count, as when an [`acquire_many`](Semaphore::acquire_many) future is
    /// dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = aiosync::Semaphore::new(1);
    /// assert!(sem.acquire_many_blocking_timeout(2, Duration::from_millis(10)).is_none());
    /// assert_eq!(sem.available_permits(), 1); // the one it had set aside came back
    /// ```
    ///
    /// # Panics
    ///
    /// As [`acquire_many`](Semaphore::acquire_many).
    #[must_use = "if unused the permits are released at once"]
    pub fn acquire_many_blocking_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Option<SemaphorePermit<'_>> {
        block_on_timeout(self.acquire_many(n), timeout)
    }

    /// The blocking form of [`acquire_many_owned`](Semaphore::acquire_many_owned).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = std::sync::Arc::new(aiosync::Semaphore::new(2));
    /// assert_eq!(sem.acquire_many_owned_blocking(2).num_permits(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`acquire_many`](Semaphore::acquire_many).
    #[doc(alias = "blocking_acquire_many_owned")]
    pub fn acquire_many_owned_blocking(self: &Arc<Self>, n: usize) -> OwnedSemaphorePermit<Self> {
        block_on(self.acquire_many_owned(n))
    }

    /// Like [`acquire_many_owned_blocking`](Semaphore::acquire_many_owned_blocking), but gives
    /// up after `timeout`: `None` then, with nothing lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = std::sync::Arc::new(aiosync::Semaphore::new(2));
    /// let ten_ms = Duration::from_millis(10);
    /// assert!(sem.acquire_many_owned_blocking_timeout(2, ten_ms).is_some());
    /// ```
    ///
    /// # Panics
    ///
    /// As [`acquire_many`](Semaphore::acquire_many).
    #[must_use = "if unused the permits are released at once"]
    pub fn acquire_many_owned_blocking_timeout(
        self: &Arc<Self>,
        n: usize,
        timeout: Duration,
    ) -> Option<OwnedSemaphorePermit<Self>> {
        block_on_timeout(self.acquire_many_owned(n), timeout)
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

// A waker that panics finds the semaphores consistent: every state change is committed before
// user code runs. Only the waiter queue's `UnsafeCell` keeps these from being automatic.
impl UnwindSafe for Semaphore {}
impl RefUnwindSafe for Semaphore {}
impl UnwindSafe for BoundedSemaphore {}
impl RefUnwindSafe for BoundedSemaphore {}

impl Default for BoundedSemaphore {
    /// asyncio's default: one permit, bound one.
    fn default() -> Self {
        BoundedSemaphore::new(1)
    }
}

impl Default for Semaphore {
    /// asyncio's default: one permit.
    fn default() -> Self {
        Semaphore::new(1)
    }
}

impl BoundedSemaphore {
    crate::loom::const_fn! {
        /// Creates a bounded semaphore with `permits` permits, which is also its bound. A
        /// `const fn`, so a bounded semaphore can be a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// let sem = aiosync::BoundedSemaphore::new(2);
        /// assert_eq!(sem.bound(), 2);
        /// ```
        ///
        /// ```
        /// static WORKERS: aiosync::BoundedSemaphore = aiosync::BoundedSemaphore::new(4);
        /// assert_eq!(WORKERS.bound(), 4);
        /// ```
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`BoundedSemaphore::MAX_PERMITS`];
        /// [`try_new`](BoundedSemaphore::try_new) returns an error instead. In a `const` or
        /// `static` initializer that is a compile error:
        ///
        /// ```compile_fail,E0080
        /// const TOO_MANY: aiosync::BoundedSemaphore = aiosync::BoundedSemaphore::new(usize::MAX);
        /// ```
        pub fn new(permits: usize) -> Self {
            match Self::try_new(permits) {
                Ok(sem) => sem,
                Err(_) => panic!("too many permits: a semaphore can hold at most MAX_PERMITS"),
            }
        }
    }

    crate::loom::const_fn! {
        /// Creates a bounded semaphore with `permits` permits, or fails if there are too many.
        ///
        /// # Examples
        ///
        /// ```
        /// assert!(aiosync::BoundedSemaphore::try_new(3).is_ok());
        /// ```
        ///
        /// # Errors
        ///
        /// [`TooManyPermits`] if `permits` exceeds [`BoundedSemaphore::MAX_PERMITS`].
        pub fn try_new(permits: usize) -> Result<Self, TooManyPermits> {
            match Counter::new(permits, permits, Fairness::Fifo) {
                Ok(counter) => Ok(BoundedSemaphore(counter)),
                Err(e) => Err(e),
            }
        }
    }

    crate::loom::const_fn! {
        /// Creates a bounded semaphore with `permits` permits that serves its waiters by `fairness`.
        /// [`new`](BoundedSemaphore::new) is `with_fairness(permits, Fairness::Fifo)`.
        ///
        /// # Fairness
        ///
        /// Under [`Fairness::Bounded`]`(k)` an acquire that does not queue may take permits
        /// ahead of the oldest waiter at most `k` times; after that, released permits are set
        /// aside for that waiter until its request is covered. See [`Fairness`].
        ///
        /// # Examples
        ///
        /// ```
        /// use aiosync::{BoundedSemaphore, Fairness};
        ///
        /// static POOL: BoundedSemaphore = BoundedSemaphore::with_fairness(8, Fairness::BOUNDED);
        /// assert_eq!(POOL.fairness(), Fairness::BOUNDED);
        /// ```
        ///
        /// # Panics
        ///
        /// As [`new`](BoundedSemaphore::new), if `permits` exceeds [`BoundedSemaphore::MAX_PERMITS`].
        pub fn with_fairness(permits: usize, fairness: Fairness) -> Self {
            match Counter::new(permits, permits, fairness) {
                Ok(counter) => BoundedSemaphore(counter),
                Err(_) => panic!("too many permits: a semaphore can hold at most MAX_PERMITS"),
            }
        }
    }

    /// The bound: the initial number of permits, which the count never exceeds.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(aiosync::BoundedSemaphore::new(5).bound(), 5);
    /// ```
    pub fn bound(&self) -> usize {
        self.0.bound
    }

    /// Gives back a permit taken with [`SemaphorePermit::forget`], waking the oldest waiter if
    /// there is one. asyncio's `release()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = aiosync::BoundedSemaphore::new(1);
    /// sem.acquire().await.forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`OverRelease`] if the count is already at the bound, counting the permits that live
    /// [`SemaphorePermit`]s hold (they will come back when dropped). Nothing changes then.
    pub fn release(&self) -> Result<(), OverRelease> {
        self.release_many(1)
    }

    /// Gives back `n` forgotten permits at once, or none.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::BoundedSemaphore::new(3);
    /// sem.try_acquire_many(2).unwrap().forget();
    /// assert!(sem.release_many(3).is_err());
    /// assert!(sem.release_many(2).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`OverRelease`] if fewer than `n` permits are missing from the bound (as for
    /// [`release`](BoundedSemaphore::release)). Nothing changes then.
    #[doc(alias = "add_permits")]
    pub fn release_many(&self, n: usize) -> Result<(), OverRelease> {
        self.0.add_capacity(n).map_err(|()| OverRelease {
            bound: self.bound(),
        })
    }

    /// Waits for `n` permits at once; see [`Semaphore::acquire_many`] for the FIFO guarantee and
    /// for `n == 0`, which completes at once.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives back any permits already set aside for it.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = aiosync::BoundedSemaphore::new(2);
    /// let both = sem.acquire_many(2)?.await;
    /// assert!(sem.acquire_many(3).is_err()); // could never be served
    /// # drop(both);
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// [`TooManyPermits`], at once rather than a wait that never ends, if `n` exceeds the bound.
    pub fn acquire_many(&self, n: usize) -> Result<Acquire<'_>, TooManyPermits> {
        AnySemaphore::acquire_many(self, n)
    }

    /// Like [`acquire_many`](BoundedSemaphore::acquire_many), for a semaphore in an [`Arc`].
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = std::sync::Arc::new(aiosync::BoundedSemaphore::new(2));
    /// assert_eq!(sem.acquire_many_owned(2)?.await.num_permits(), 2);
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](BoundedSemaphore::acquire_many).
    pub fn acquire_many_owned(
        self: &Arc<Self>,
        n: usize,
    ) -> Result<AcquireOwned<Self>, TooManyPermits> {
        AnySemaphore::acquire_many_owned(self, n)
    }

    /// Blocks the current thread until `n` permits are acquired at once: the blocking form of
    /// [`acquire_many`](BoundedSemaphore::acquire_many), in the same FIFO queue.
    ///
    /// Calling it inside an async task blocks that executor thread; use `.await` there.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = aiosync::BoundedSemaphore::new(3);
    /// assert_eq!(sem.acquire_many_blocking(2)?.num_permits(), 2);
    /// assert!(sem.acquire_many_blocking(4).is_err()); // could never be served
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](BoundedSemaphore::acquire_many), at once.
    #[doc(alias = "blocking_acquire_many")]
    pub fn acquire_many_blocking(&self, n: usize) -> Result<SemaphorePermit<'_>, TooManyPermits> {
        Ok(block_on(self.acquire_many(n)?))
    }

    /// Like [`acquire_many_blocking`](BoundedSemaphore::acquire_many_blocking), but gives up
    /// after `timeout`: `Ok(None)` then. Permits already set aside for the request go to the
    /// next waiters or back to the count, as when an
    /// [`acquire_many`](BoundedSemaphore::acquire_many) future is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = aiosync::BoundedSemaphore::new(2);
    /// let one = sem.try_acquire().unwrap();
    /// assert!(sem.acquire_many_blocking_timeout(2, Duration::from_millis(10))?.is_none());
    /// assert_eq!(sem.available_permits(), 1);
    /// # drop(one);
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](BoundedSemaphore::acquire_many), at once.
    pub fn acquire_many_blocking_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Option<SemaphorePermit<'_>>, TooManyPermits> {
        Ok(block_on_timeout(self.acquire_many(n)?, timeout))
    }

    /// The blocking form of [`acquire_many_owned`](BoundedSemaphore::acquire_many_owned).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = std::sync::Arc::new(aiosync::BoundedSemaphore::new(2));
    /// assert_eq!(sem.acquire_many_owned_blocking(2)?.num_permits(), 2);
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](BoundedSemaphore::acquire_many), at once.
    #[doc(alias = "blocking_acquire_many_owned")]
    pub fn acquire_many_owned_blocking(
        self: &Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit<Self>, TooManyPermits> {
        Ok(block_on(self.acquire_many_owned(n)?))
    }

    /// Like [`acquire_many_owned_blocking`](BoundedSemaphore::acquire_many_owned_blocking), but
    /// gives up after `timeout`: `Ok(None)` then, with nothing lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = std::sync::Arc::new(aiosync::BoundedSemaphore::new(2));
    /// let ten_ms = Duration::from_millis(10);
    /// assert!(sem.acquire_many_owned_blocking_timeout(2, ten_ms)?.is_some());
    /// # Ok::<(), aiosync::TooManyPermits>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](BoundedSemaphore::acquire_many), at once.
    pub fn acquire_many_owned_blocking_timeout(
        self: &Arc<Self>,
        n: usize,
        timeout: Duration,
    ) -> Result<Option<OwnedSemaphorePermit<Self>>, TooManyPermits> {
        Ok(block_on_timeout(self.acquire_many_owned(n)?, timeout))
    }
}

pin_project! {
    /// The future returned by `acquire` on [`Semaphore`] and [`BoundedSemaphore`]; resolves to a
    /// [`SemaphorePermit`].
    ///
    /// Dropping it before it completes is safe: see
    /// [`Semaphore`'s cancel safety](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let sem = aiosync::Semaphore::new(1);
    /// let acquire: aiosync::semaphore::Acquire<'_> = sem.acquire();
    /// assert_eq!(acquire.await.num_permits(), 1);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Acquire<'a> {
        sem: &'a Counter,
        n: usize,
        #[pin]
        node: Waiter,
    }

    impl PinnedDrop for Acquire<'_> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.sem.raw.cancel_acquire(this.node.as_ref(), *this.n);
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let node = this.node.as_ref();
        ready!(this.sem.raw.poll_acquire(node, *this.n, cx));
        Poll::Ready(SemaphorePermit {
            sem: this.sem,
            n: *this.n,
        })
    }
}

impl FusedFuture for Acquire<'_> {
    fn is_terminated(&self) -> bool {
        self.node.state() == WaiterState::Done
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("permits", &self.n)
            .field("state", &self.node.state())
            .finish()
    }
}

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
    sem: &'a Counter,
    n: usize,
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

impl Counter {
    fn forget(&self, n: usize) {
        self.headroom.fetch_add(n, Ordering::AcqRel);
    }

    /// `release(n)`: adds `n` permits if the headroom allows, or changes nothing.
    fn add_capacity(&self, n: usize) -> Result<(), ()> {
        self.headroom
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |h| h.checked_sub(n))
            .map_err(drop)?;
        // Releasing nothing changes nothing: not even, under the bounded policy, a hand-off.
        self.release(n);
        Ok(())
    }

    #[inline]
    fn release(&self, n: usize) {
        if n > 0 {
            self.raw.release(n);
        }
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

pin_project! {
    /// The future returned by `acquire_owned` and `acquire_many_owned` on [`Semaphore`] and
    /// [`BoundedSemaphore`]; resolves to an [`OwnedSemaphorePermit`].
    ///
    /// Dropping it before it completes is safe: see
    /// [`Semaphore`'s cancel safety](Semaphore#cancel-safety).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// # futures_executor::block_on(async {
    /// let sem = Arc::new(aiosync::Semaphore::new(1));
    /// let acquire: aiosync::semaphore::AcquireOwned<aiosync::Semaphore> = sem.acquire_owned();
    /// assert_eq!(acquire.await.num_permits(), 1);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct AcquireOwned<S: AnySemaphore> {
        // `None` once the permit has taken it over.
        sem: Option<Arc<S>>,
        n: usize,
        #[pin]
        node: Waiter,
    }

    impl<S: AnySemaphore> PinnedDrop for AcquireOwned<S> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(sem) = this.sem {
                sem.counter().raw.cancel_acquire(this.node.as_ref(), *this.n);
            }
        }
    }
}

impl<S: AnySemaphore> AcquireOwned<S> {
    fn new(sem: Arc<S>, n: usize) -> Self {
        AcquireOwned {
            sem: Some(sem),
            n,
            node: Waiter::new(),
        }
    }
}

impl<S: AnySemaphore> Future for AcquireOwned<S> {
    type Output = OwnedSemaphorePermit<S>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let sem = this
            .sem
            .as_ref()
            .expect("`AcquireOwned` polled after completion");
        ready!(
            sem.counter()
                .raw
                .poll_acquire(this.node.as_ref(), *this.n, cx)
        );
        Poll::Ready(OwnedSemaphorePermit {
            sem: this.sem.take().expect("checked above"),
            n: *this.n,
        })
    }
}

impl<S: AnySemaphore> FusedFuture for AcquireOwned<S> {
    fn is_terminated(&self) -> bool {
        self.sem.is_none()
    }
}

impl<S: AnySemaphore> fmt::Debug for AcquireOwned<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcquireOwned")
            .field("permits", &self.n)
            .field("state", &self.node.state())
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
    sem: Arc<S>,
    n: usize,
}

impl<S: AnySemaphore> OwnedSemaphorePermit<S> {
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
    requested: usize,
    max: usize,
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
    bound: usize,
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
