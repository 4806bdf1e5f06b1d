//! Loom models of the bounded-bypass policy (`Fairness::Bounded`): the oldest waiter is
//! bypassed at most `k` times, and no wake-up, lock or permit is lost, including when the oldest
//! waiter is cancelled while the lock or permits are left free for it.
#![cfg(loom)]

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aiosync::{Fairness, Lock, Semaphore};
use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::thread;

/// Awaits `fut`, setting `queued` once its first poll returned `Pending` (it is in the queue).
fn block_on_noting_queued<F: Future>(fut: F, queued: &AtomicBool) -> F::Output {
    let mut fut = pin!(fut);
    let mut first = true;
    block_on(poll_fn(|cx| {
        let poll = fut.as_mut().poll(cx);
        if first && poll.is_pending() {
            queued.store(true, SeqCst);
        }
        first = false;
        poll
    }))
}

/// One waiter queues behind a held lock; then another task takes the lock twice while the
/// holder releases it. With `k = 1`, at most one of those two may come before the waiter.
#[test]
fn a_lock_s_oldest_waiter_is_bypassed_at_most_k_times() {
    loom::model(|| {
        let lock = Arc::new(Lock::with_fairness(0, Fairness::Bounded(1)));
        let guard = lock.try_acquire().unwrap();
        let queued = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicBool::new(false));
        let (l, q, s) = (lock.clone(), queued.clone(), served.clone());
        let waiter = thread::spawn(move || {
            let mut g = block_on_noting_queued(l.acquire(), &q);
            s.store(true, SeqCst);
            *g += 1;
        });
        while !queued.load(SeqCst) {
            thread::yield_now();
        }
        let (l, s) = (lock.clone(), served.clone());
        let other = thread::spawn(move || {
            let mut bypasses = 0;
            for _ in 0..2 {
                let mut g = block_on(l.acquire());
                if !s.load(SeqCst) {
                    bypasses += 1;
                }
                *g += 1;
            }
            bypasses
        });
        drop(guard);
        waiter.join().unwrap();
        assert!(
            other.join().unwrap() <= 1,
            "the oldest waiter was bypassed twice"
        );
        assert_eq!(*lock.try_acquire().expect("lock left held"), 3);
    });
}

/// The oldest waiter is cancelled at any point: before or after a release leaves the lock free
/// for it, or after a forced hand-off. The next waiter must still get the lock.
#[test]
fn a_lock_s_oldest_waiter_cancelled_passes_the_lock_on() {
    loom::model(|| {
        let lock = Arc::new(Lock::with_fairness((), Fairness::Bounded(1)));
        let guard = lock.try_acquire().unwrap();
        let queued = Arc::new(AtomicBool::new(false));
        let (l, q) = (lock.clone(), queued.clone());
        let cancelled = thread::spawn(move || {
            let mut acquire = pin!(l.acquire());
            let first = acquire
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            assert!(first.is_pending());
            q.store(true, SeqCst);
            thread::yield_now();
        });
        while !queued.load(SeqCst) {
            thread::yield_now();
        }
        let l = lock.clone();
        let next = thread::spawn(move || drop(block_on(l.acquire())));
        // A bypass racing the release, the cancellation and the hand-off.
        let l = lock.clone();
        let bypass = thread::spawn(move || drop(l.try_acquire()));
        drop(guard);
        cancelled.join().unwrap();
        bypass.join().unwrap();
        next.join().unwrap();
        assert!(!lock.locked(), "lock left held");
        assert_eq!(lock.waiters(), 0);
    });
}

/// The same bound for a semaphore's oldest waiter, with its permit count conserved.
#[test]
fn a_semaphore_s_oldest_waiter_is_bypassed_at_most_k_times() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::with_fairness(1, Fairness::Bounded(1)));
        let permit = sem.try_acquire().unwrap();
        let queued = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicBool::new(false));
        let (s, q, done) = (sem.clone(), queued.clone(), served.clone());
        let waiter = thread::spawn(move || {
            let p = block_on_noting_queued(s.acquire(), &q);
            done.store(true, SeqCst);
            drop(p);
        });
        while !queued.load(SeqCst) {
            thread::yield_now();
        }
        let (s, done) = (sem.clone(), served.clone());
        let other = thread::spawn(move || {
            let mut bypasses = 0;
            for _ in 0..2 {
                let p = block_on(s.acquire());
                if !done.load(SeqCst) {
                    bypasses += 1;
                }
                drop(p);
            }
            bypasses
        });
        drop(permit);
        waiter.join().unwrap();
        assert!(
            other.join().unwrap() <= 1,
            "the oldest waiter was bypassed twice"
        );
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.waiters(), 0);
    });
}

/// A semaphore's oldest waiter, cancelled while a release leaves permits free for it: the next
/// waiter gets them, and the count ends where it started.
#[test]
fn a_semaphore_s_oldest_waiter_cancelled_passes_permits_on() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::with_fairness(1, Fairness::Bounded(1)));
        let permit = sem.try_acquire().unwrap();
        let queued = Arc::new(AtomicUsize::new(0));
        let (s, q) = (sem.clone(), queued.clone());
        let cancelled = thread::spawn(move || {
            let mut acquire = pin!(s.acquire());
            let first = acquire
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            assert!(matches!(first, Poll::Pending));
            q.store(1, SeqCst);
            thread::yield_now();
        });
        while queued.load(SeqCst) == 0 {
            thread::yield_now();
        }
        let s = sem.clone();
        let next = thread::spawn(move || drop(block_on(s.acquire())));
        let s = sem.clone();
        let bypass = thread::spawn(move || drop(s.try_acquire()));
        drop(permit);
        cancelled.join().unwrap();
        bypass.join().unwrap();
        next.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.waiters(), 0);
    });
}
