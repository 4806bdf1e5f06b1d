//! Loom models of Condition: `wait` racing `notify` loses no wake-up, and a notification taken
//! by a waiter that is then dropped is passed on. Run with
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom_condition`.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use aiosync::{Condition, Lock};
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

#[test]
fn wait_racing_notify_loses_no_wake_up() {
    loom::model(|| {
        let shared = Arc::new((Lock::new(false), Condition::new()));
        let s = shared.clone();
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*s;
            let guard = block_on(cond.wait_for(block_on(lock.acquire()), |ready| *ready));
            assert!(*guard);
        });
        let (lock, cond) = &*shared;
        let mut guard = block_on(lock.acquire());
        *guard = true;
        cond.notify(&guard, 1);
        drop(guard);
        waiter.join().unwrap();
        assert!(!lock.locked());
    });
}

#[test]
fn a_notified_then_dropped_waiter_passes_the_notification_on() {
    loom::model(|| {
        let shared = Arc::new((Lock::new(false), Condition::new()));
        let s = shared.clone();
        // Waits once and is dropped at some point: maybe after taking the notification.
        let cancelled = thread::spawn(move || {
            let (lock, cond) = &*s;
            let guard = block_on(lock.acquire());
            let mut wait = pin!(cond.wait(guard));
            let _ = wait.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            // A scheduling point before the drop: loom's partial-order reduction does not
            // otherwise try a release landing between the poll and the drop.
            thread::yield_now();
        });
        let s = shared.clone();
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*s;
            drop(block_on(
                cond.wait_for(block_on(lock.acquire()), |ready| *ready),
            ));
        });
        let (lock, cond) = &*shared;
        let mut guard = block_on(lock.acquire());
        *guard = true;
        cond.notify(&guard, 1);
        drop(guard);
        cancelled.join().unwrap();
        waiter.join().unwrap();
        assert!(!lock.locked(), "lock left held");
    });
}
