//! Loom models of Lock: mutual exclusion, FIFO hand-off, and hand-off when a granted `Acquire`
//! is dropped.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use aiosync::Lock;
use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::thread;

#[test]
fn mutual_exclusion_and_hand_off() {
    loom::model(|| {
        let lock = Arc::new(Lock::new(0));
        let held = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (lock, held) = (lock.clone(), held.clone());
                thread::spawn(move || {
                    let mut guard = block_on(lock.acquire());
                    assert!(!held.swap(true, SeqCst), "two holders at once");
                    *guard += 1;
                    held.store(false, SeqCst);
                })
            })
            .collect();
        {
            let mut guard = block_on(lock.acquire());
            assert!(!held.swap(true, SeqCst), "two holders at once");
            *guard += 1;
            held.store(false, SeqCst);
        }
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*lock.try_acquire().expect("lock left held"), 3);
    });
}

#[test]
fn a_dropped_granted_acquire_hands_the_lock_on() {
    loom::model(|| {
        let lock = Arc::new(Lock::new(()));
        let guard = lock.try_acquire().unwrap();
        let lock1 = lock.clone();
        // Queues, and is dropped at some point: before or after being granted the lock.
        let cancelled = thread::spawn(move || {
            let mut acquire = pin!(lock1.acquire());
            let _ = acquire
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            // A scheduling point before the drop: loom's partial-order reduction does not
            // otherwise try a release landing between the poll and the drop.
            thread::yield_now();
        });
        let lock2 = lock.clone();
        let waiter = thread::spawn(move || drop(block_on(lock2.acquire())));
        drop(guard);
        cancelled.join().unwrap();
        waiter.join().unwrap();
        assert!(!lock.locked(), "lock left held");
    });
}

#[test]
fn try_acquire_never_barges_past_a_granted_waiter() {
    loom::model(|| {
        let lock = Arc::new(Lock::new(()));
        let guard = lock.try_acquire().unwrap();
        let granted = Arc::new(AtomicUsize::new(0));
        let (lock1, granted1) = (lock.clone(), granted.clone());
        let waiter = thread::spawn(move || {
            let g = block_on(lock1.acquire());
            granted1.fetch_add(1, SeqCst);
            drop(g);
        });
        // Wait until the waiter is queued, then release and race a newcomer against it.
        while lock.waiters() == 0 {
            thread::yield_now();
        }
        drop(guard);
        if let Some(g) = lock.try_acquire() {
            // Only possible once the waiter has had (and released) the lock.
            assert_eq!(granted.load(SeqCst), 1, "try_acquire barged past a waiter");
            drop(g);
        }
        waiter.join().unwrap();
    });
}
