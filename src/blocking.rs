//! Waiting by parking the thread: the blocking variants poll the very futures async code awaits,
//! so they wait in the same FIFO queue with the same fairness and cancel-safety.

use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::task::Wake;
use std::thread::{self, Thread};

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

/// Polls `fut` on this thread, parking between polls, until it completes.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    // From a thread-local destructor `WAKER` may be gone already: a fresh waker does the same.
    match WAKER.try_with(|waker| run(fut.as_mut(), waker)) {
        Ok(out) => out,
        Err(_) => run(fut, &thread_waker()),
    }
}

fn run<F: Future>(mut fut: Pin<&mut F>, waker: &Waker) -> F::Output {
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        // A stale unpark token only costs one extra poll.
        thread::park();
    }
}
