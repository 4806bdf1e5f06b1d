//! Loom models of Semaphore and BoundedSemaphore: permits are conserved (never more holders than
//! permits, the count back to its start, the bound never exceeded), including when granted
//! acquires are dropped. Run with `RUSTFLAGS="--cfg loom" cargo test --release --test loom_semaphore`.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use aiosync::{BoundedSemaphore, Semaphore};
use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;

#[test]
fn never_more_holders_than_permits() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let holders = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (sem, holders) = (sem.clone(), holders.clone());
                thread::spawn(move || {
                    let permit = block_on(sem.acquire());
                    assert_eq!(holders.fetch_add(1, SeqCst), 0, "more holders than permits");
                    holders.fetch_sub(1, SeqCst);
                    drop(permit);
                })
            })
            .collect();
        let permit = block_on(sem.acquire());
        assert_eq!(holders.fetch_add(1, SeqCst), 0, "more holders than permits");
        holders.fetch_sub(1, SeqCst);
        drop(permit);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn dropped_acquires_return_what_they_were_granted() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let sem = sem.clone();
                thread::spawn(move || {
                    // Polled once, then dropped: before, during or after a release grants it.
                    let mut acquire = pin!(sem.acquire());
                    let _ = acquire
                        .as_mut()
                        .poll(&mut Context::from_waker(Waker::noop()));
                    // A scheduling point before the drop: loom's partial-order reduction does not
                    // otherwise try a release landing between the poll and the drop.
                    thread::yield_now();
                })
            })
            .collect();
        sem.release();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1, "a permit was lost or made up");
        assert_eq!(sem.waiters(), 0);
    });
}

#[test]
fn bounded_release_races_never_exceed_the_bound() {
    loom::model(|| {
        let sem = Arc::new(BoundedSemaphore::new(1));
        block_on(sem.acquire()).forget();
        let sem1 = sem.clone();
        let waiter = thread::spawn(move || drop(block_on(sem1.acquire())));
        let sem2 = sem.clone();
        let releaser = thread::spawn(move || sem2.release().is_ok());
        let here = sem.release().is_ok();
        let there = releaser.join().unwrap();
        assert!(here ^ there, "exactly one release fits under the bound");
        waiter.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert!(sem.release().is_err());
    });
}

#[test]
fn a_dropped_partly_served_request_returns_exactly_its_share() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = sem.clone();
        // Wants two permits; dropped after one poll, perhaps with one or both set aside for it.
        let big = thread::spawn(move || {
            let mut acquire = pin!(s.acquire_many(2));
            let _ = acquire
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            thread::yield_now();
        });
        let s = sem.clone();
        let small = thread::spawn(move || block_on(s.acquire()).forget());
        sem.release();
        sem.release();
        big.join().unwrap();
        small.join().unwrap();
        assert_eq!(sem.available_permits(), 1, "a permit was lost or made up");
        assert_eq!(sem.waiters(), 0);
    });
}
