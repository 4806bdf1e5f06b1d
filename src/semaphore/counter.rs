//! [`Counter`], what both semaphores are made of: the permit core, plus the bound and the
//! headroom that keep releases within it.

use core::fmt;

use super::{MAX_PERMITS, RawSemaphore, SemaphorePermit, TooManyPermits};
use crate::Fairness;
use crate::loom::{AtomicUsize, Ordering};

/// Above [`MAX_PERMITS`], so never a real bound.
pub(super) const UNBOUNDED: usize = usize::MAX;

/// What both semaphores are made of. Public, so that the sealed trait can name it, in a private
/// module, so that nothing outside the crate can.
pub struct Counter {
    pub(super) raw: RawSemaphore,
    /// The bound of a [`BoundedSemaphore`](super::BoundedSemaphore); [`UNBOUNDED`] for a plain
    /// [`Semaphore`](super::Semaphore).
    pub(super) bound: usize,
    /// How many permits `release` may still add: the bound (or [`MAX_PERMITS`]) minus the
    /// permits in circulation, available or held by live permit objects. `forget` raises it,
    /// `release` lowers it and is refused when it would go below zero. So available plus held
    /// permits never exceed [`MAX_PERMITS`]: dropping or merging permits cannot overflow.
    headroom: AtomicUsize,
}

impl Counter {
    crate::loom::const_fn! {
        /// `permits` permits; `bounded` makes that number the bound as well.
        pub(super) fn new(
            permits: usize,
            bounded: bool,
            fairness: Fairness,
        ) -> Result<Self, TooManyPermits> {
            if permits > MAX_PERMITS {
                return Err(TooManyPermits {
                    requested: permits,
                    max: MAX_PERMITS,
                });
            }
            let bound = if bounded { permits } else { UNBOUNDED };
            // `Ord::min` is not `const`.
            let max = if bound < MAX_PERMITS { bound } else { MAX_PERMITS };
            Ok(Counter {
                raw: RawSemaphore::new(permits, fairness),
                bound,
                headroom: AtomicUsize::new(max - permits),
            })
        }
    }

    /// Fails if `n` permits could never be held at once: above the bound or [`MAX_PERMITS`].
    pub(super) fn check_request(&self, n: usize) -> Result<(), TooManyPermits> {
        let max = self.bound.min(MAX_PERMITS);
        if n > max {
            return Err(TooManyPermits { requested: n, max });
        }
        Ok(())
    }

    pub(super) fn try_acquire(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.check_request(n).ok()?;
        self.raw
            .try_acquire(n)
            .then(|| SemaphorePermit { sem: self, n })
    }

    pub(super) fn forget(&self, n: usize) {
        self.headroom.fetch_add(n, Ordering::AcqRel);
    }

    /// `release(n)`: adds `n` permits if the headroom allows, or changes nothing.
    pub(super) fn add_capacity(&self, n: usize) -> Result<(), ()> {
        self.headroom
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |h| h.checked_sub(n))
            .map_err(drop)?;
        // Releasing nothing changes nothing: not even, under the bounded policy, a hand-off.
        self.release(n);
        Ok(())
    }

    /// Gives back `n` permits that a permit object held, so the headroom already counts them.
    #[inline]
    pub(super) fn release(&self, n: usize) {
        if n > 0 {
            self.raw.release(n);
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
