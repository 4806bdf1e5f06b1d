//! The permit cores under the primitives that hand out permits: [`RawLock`] under `Lock` (one
//! permit, no partial grants, no granted waiters held back) and [`RawSemaphore`] under the
//! semaphores. Each keeps its permits in an atomic word for the paths that never wait, and a
//! [`WaitList`](crate::waitlist::WaitList) for the rest, and each keeps the same contract:
//!
//! - grants are made under the wait list's mutex, and wakers woken after it is released;
//! - a cancelled request passes on whatever it had been granted, so nothing is lost;
//! - a poll that took permits and then runs user code (a waker's `drop`, or waking others) gives
//!   them back if that code panics;
//! - the bounded-bypass policy lives in each core's `bounded` file, and the FIFO paths are
//!   compiled without it.

pub(crate) mod lock;
pub(crate) mod semaphore;

pub(crate) use lock::RawLock;
pub(crate) use semaphore::{MAX_PERMITS, RawSemaphore};

/// Runs its closure when dropped, which only unwinding does: [`disarm`](OnUnwind::disarm) forgets
/// it on the normal path. Holds what a poll took while user code runs.
struct OnUnwind<F: FnMut()>(F);

impl<F: FnMut()> OnUnwind<F> {
    #[inline]
    fn disarm(self) {
        core::mem::forget(self);
    }
}

impl<F: FnMut()> Drop for OnUnwind<F> {
    #[cold]
    fn drop(&mut self) {
        (self.0)();
    }
}
