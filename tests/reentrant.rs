//! Wakers are woken, cloned and dropped outside the queue's mutex: a waker whose `wake()` or
//! `drop()` re-enters the same primitive must not deadlock (tokio#5429 and #4129 were such bugs).

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::task::{RawWaker, RawWakerVTable, Waker};
use std::time::Duration;

use aiosync::{Condition, Event, Lock, Semaphore};
use common::{poll, poll_noop};

/// A waker that runs `hook` whenever it is woken, cloned or dropped.
struct Hook {
    hook: Box<dyn Fn() + Send + Sync>,
    calls: AtomicUsize,
}

fn hook_waker(hook: impl Fn() + Send + Sync + 'static) -> (Arc<Hook>, Waker) {
    let hook = Arc::new(Hook {
        hook: Box::new(hook),
        calls: AtomicUsize::new(0),
    });
    // SAFETY: the data pointer comes from `Arc::into_raw` and the vtable keeps the count right.
    let waker =
        unsafe { Waker::from_raw(RawWaker::new(Arc::into_raw(hook.clone()).cast(), &VTABLE)) };
    (hook, waker)
}

fn run(data: *const ()) {
    // SAFETY: `data` is a live `Arc<Hook>` pointer for as long as the waker exists.
    let hook = unsafe { &*data.cast::<Hook>() };
    hook.calls.fetch_add(1, Ordering::SeqCst);
    (hook.hook)();
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(
    |data| {
        run(data);
        // SAFETY: `data` came from `Arc::into_raw`; a clone owns one more count.
        unsafe { Arc::increment_strong_count(data.cast::<Hook>()) };
        RawWaker::new(data, &VTABLE)
    },
    |data| {
        run(data);
        // SAFETY: waking by value consumes this waker's count.
        unsafe { Arc::decrement_strong_count(data.cast::<Hook>()) };
    },
    run,
    |data| {
        run(data);
        // SAFETY: dropping releases this waker's count.
        unsafe { Arc::decrement_strong_count(data.cast::<Hook>()) };
    },
);

/// Runs `f` on another thread and fails if it does not finish: a deadlock is a hang.
fn must_finish(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        f();
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("deadlock: a waker ran under the wait list's mutex");
}

#[test]
fn lock_waker_that_reenters_the_lock() {
    must_finish(|| {
        let lock = Arc::new(Lock::new(()));
        let held = lock.try_acquire().unwrap();
        // Each hook call queues for the lock and leaves again: both take the wait list's mutex.
        let l2 = lock.clone();
        let (hook, waker) = hook_waker(move || drop(poll_noop(pin!(l2.acquire()))));
        let (_, other) = hook_waker(|| {});
        let mut a = pin!(lock.acquire());
        assert!(poll(a.as_mut(), &waker).is_pending()); // clone
        assert!(poll(a.as_mut(), &other).is_pending()); // replaced: our waker dropped
        assert!(poll(a.as_mut(), &waker).is_pending()); // clone again, `other` dropped
        drop(held); // wake
        assert!(poll(a.as_mut(), &waker).is_ready());
        assert!(hook.calls.load(Ordering::SeqCst) >= 4);
    });
}

#[test]
fn semaphore_waker_that_reenters_the_same_semaphore() {
    must_finish(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s2 = sem.clone();
        let (_, waker) = hook_waker(move || drop(poll_noop(pin!(s2.acquire()))));
        let mut a = pin!(sem.acquire());
        let mut b = pin!(sem.acquire());
        assert!(poll(a.as_mut(), &waker).is_pending());
        assert!(poll(b.as_mut(), &waker).is_pending());
        sem.release();
        sem.release();
        assert!(poll(a.as_mut(), &waker).is_ready());
        assert!(poll(b.as_mut(), &waker).is_ready());
    });
}

#[test]
fn event_waker_that_waits_on_and_sets_the_same_event() {
    must_finish(|| {
        let event = Arc::new(Event::new());
        let e2 = event.clone();
        let (_, waker) = hook_waker(move || {
            let _ = poll_noop(pin!(e2.wait()));
            e2.set();
            e2.clear();
        });
        let mut waits: Vec<_> = (0..40).map(|_| Box::pin(event.wait())).collect();
        for w in &mut waits {
            assert!(poll(w.as_mut(), &waker).is_pending());
        }
        event.set();
        for w in &mut waits {
            assert!(poll_noop(w.as_mut()).is_ready());
        }
    });
}

#[test]
fn condition_waker_that_reenters_the_lock_it_shares() {
    must_finish(|| {
        let shared = Arc::new((Lock::new(()), Condition::new()));
        let s2 = shared.clone();
        // Queues for the lock and leaves again (both take the wait list's mutex the condition shares).
        let (_, waker) = hook_waker(move || drop(poll_noop(pin!(s2.0.acquire()))));
        let (lock, cond) = &*shared;
        let mut w = pin!(cond.wait(lock.try_acquire().unwrap()));
        assert!(poll(w.as_mut(), &waker).is_pending());
        let guard = lock.try_acquire().unwrap();
        cond.notify(&guard, 1);
        drop(guard);
        assert!(poll(w.as_mut(), &waker).is_ready());
    });
}

#[test]
fn lock_waker_dropped_by_a_cancellation_reenters_the_lock() {
    must_finish(|| {
        let lock = Arc::new(Lock::new(()));
        let held = lock.try_acquire().unwrap();
        let l2 = lock.clone();
        let (hook, waker) = hook_waker(move || drop(poll_noop(pin!(l2.acquire()))));
        let mut a = Box::pin(lock.acquire());
        assert!(poll(a.as_mut(), &waker).is_pending());
        drop(waker);
        let before = hook.calls.load(Ordering::SeqCst);
        drop(a); // unlinks and drops the stored waker: outside the mutex
        assert!(hook.calls.load(Ordering::SeqCst) > before);
        drop(held);
        assert!(!lock.locked());
    });
}

#[test]
fn semaphore_wakers_that_reenter_across_batches_and_cancellations() {
    must_finish(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s2 = sem.clone();
        // Each hook call queues for a permit and cancels: both take the wait list's mutex.
        let (_, waker) = hook_waker(move || drop(poll_noop(pin!(s2.acquire_many(2)))));
        let mut waits: Vec<_> = (0..40).map(|_| Box::pin(sem.acquire())).collect();
        for w in &mut waits {
            assert!(poll(w.as_mut(), &waker).is_pending());
        }
        drop(waits.pop()); // cancellation drops its waker
        sem.release_many(39); // two batches of wake-ups
        for w in &mut waits {
            assert!(poll(w.as_mut(), &waker).is_ready());
        }
    });
}

#[test]
fn condition_wakers_that_reenter_the_condition_across_batches_and_cancellations() {
    must_finish(|| {
        let shared = Arc::new((Lock::new(()), Condition::new()));
        let s2 = shared.clone();
        // Joins the condition's queue and leaves it again, if the lock is free.
        let (_, waker) = hook_waker(move || {
            let (lock, cond) = &*s2;
            if let Some(guard) = lock.try_acquire() {
                drop(poll_noop(pin!(cond.wait(guard))));
            }
        });
        let (lock, cond) = &*shared;
        let mut waits: Vec<_> = (0..40)
            .map(|_| {
                let mut w = Box::pin(cond.wait(lock.try_acquire().unwrap()));
                assert!(poll(w.as_mut(), &waker).is_pending());
                w
            })
            .collect();
        drop(waits.pop()); // cancelled while waiting: its waker is dropped
        let guard = lock.try_acquire().unwrap();
        assert_eq!(cond.notify_all(&guard), 39);
        drop(guard);
        drop(waits.pop()); // cancelled after its notification: passes it on to nobody
        for w in &mut waits {
            assert!(poll(w.as_mut(), &waker).is_ready());
        }
    });
}
