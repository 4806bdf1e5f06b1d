//! Waiting by parking the thread: the blocking variants poll the very futures async code awaits,
//! so they wait in the same FIFO wait list with the same fairness and cancel-safety. The timed ones
//! park with `thread::park_timeout` and, when time is up, drop the future: a wait that times out
//! leaves its wait list through the same cancellation path as any dropped future, so nothing is lost.

use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::task::Wake;
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

fn thread_waker() -> Waker {
    Waker::from(Arc::new(Unparker(thread::current())))
}

thread_local! {
    /// One waker per thread, made once: blocking waits allocate nothing either.
    static WAKER: Waker = thread_waker();
}

/// When a wait of `timeout` from now gives up; `None` (never) if that is too far off to represent.
pub(crate) fn deadline(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Polls `fut` on this thread, parking between polls, until it completes.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    match poll_until(pin!(fut), None) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("a wait without a deadline only ends when it completes"),
    }
}

/// Like [`block_on`], but gives up after `timeout`: `None` then, and the future is dropped.
pub(crate) fn block_on_timeout<F: Future>(fut: F, timeout: Duration) -> Option<F::Output> {
    match poll_until(pin!(fut), deadline(timeout)) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}

/// Polls `fut` on this thread, parking between polls, until it completes or `deadline` passes;
/// `Pending` then, leaving the future to the caller. It is polled once more after the last park,
/// so a grant that arrived just in time is taken rather than passed on.
pub(crate) fn poll_until<F: Future>(
    mut fut: Pin<&mut F>,
    deadline: Option<Instant>,
) -> Poll<F::Output> {
    // From a thread-local destructor `WAKER` may be gone already: a fresh waker does the same.
    let waker = WAKER
        .try_with(Waker::clone)
        .unwrap_or_else(|_| thread_waker());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Poll::Ready(out);
        }
        // A stale unpark token, or an early return of `park_timeout`, only costs one extra poll.
        match deadline {
            None => thread::park(),
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    return Poll::Pending;
                }
                thread::park_timeout(deadline - now);
            }
        }
    }
}
