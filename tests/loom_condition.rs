//! Loom models of Condition: `wait` racing `notify` loses no wake-up, and a notification taken
//! by a waiter that is then dropped is passed on.
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
            let cx = &mut Context::from_waker(Waker::noop());
            let _ = wait.as_mut().poll(cx);
            // Scheduling points before the drop: loom's partial-order reduction does not
            // otherwise try a notification landing between the polls and the drop.
            thread::yield_now();
            // If notified by now, this starts re-acquiring the lock: the drop may come mid-way.
            // If it even got the lock, the wait completed normally: like any consumer that
            // does not use its notification, it passes one on itself.
            if let std::task::Poll::Ready(guard) = wait.as_mut().poll(cx) {
                cond.notify(&guard, 1);
            }
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

/// Two conditions share one lock (the bounded buffer's `not_empty` and `not_full`): each
/// notification reaches the waiter of its own condition, whichever way the two tasks interleave.
#[test]
fn several_conditions_on_one_lock() {
    loom::model(|| {
        let shared = Arc::new((
            Lock::new((false, false)),
            Condition::new(),
            Condition::new(),
        ));
        let s = shared.clone();
        let other = thread::spawn(move || {
            let (lock, c1, c2) = &*s;
            let mut guard = block_on(lock.acquire());
            guard.1 = true;
            c2.notify(&guard, 1);
            drop(block_on(c1.wait_for(guard, |v| v.0)));
        });
        let (lock, c1, c2) = &*shared;
        let mut guard = block_on(c2.wait_for(block_on(lock.acquire()), |v| v.1));
        guard.0 = true;
        c1.notify(&guard, 1);
        drop(guard);
        other.join().unwrap();
        assert!(!lock.locked());
    });
}

/// A notification racing a wait's deadline is either taken by the wait (which then reports that
/// the deadline did not win) or finds nobody waiting: never both missed, never both counted.
#[test]
fn wait_until_racing_notify_keeps_the_notification_or_reports_the_timeout() {
    use std::task::Poll;

    loom::model(|| {
        let shared = Arc::new((Lock::new(()), Condition::new()));
        let s = shared.clone();
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*s;
            // A deadline that passes on its second poll, whatever else happens.
            let mut polls = 0;
            let deadline = std::future::poll_fn(move |cx| {
                polls += 1;
                if polls < 2 {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            });
            let (guard, timed_out) = block_on(cond.wait_until(block_on(lock.acquire()), deadline));
            drop(guard);
            timed_out
        });
        let (lock, cond) = &*shared;
        let guard = block_on(lock.acquire());
        let notified = cond.notify(&guard, 1);
        drop(guard);
        let timed_out = waiter.join().unwrap();
        assert_eq!(
            timed_out,
            notified == 0,
            "notify reached {notified} waiter(s), and the wait timed out: {timed_out}"
        );
        assert_eq!(cond.waiters(), 0);
        assert!(!lock.locked());
    });
}
