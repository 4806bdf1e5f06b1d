//! Condition: asyncio's semantics (asyncio-semantics.md §3): a notified waiter is woken and
//! re-acquires the lock itself when it runs.

mod common;

use std::collections::VecDeque;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use aiosync::condition::Wait;
use aiosync::{Condition, Lock, LockGuard};
use common::{Counter, Exec, poll, poll_noop, scaled, until};
use futures_core::FusedFuture;

#[test]
fn wait_releases_the_lock_when_it_starts_waiting() {
    let (lock, cond) = (Lock::new(0), Condition::new());
    let mut wait = pin!(cond.wait(lock.try_acquire().unwrap()));
    assert!(lock.locked(), "not released before the first poll");
    assert!(poll_noop(wait.as_mut()).is_pending());
    assert!(!lock.locked());
    assert_eq!(cond.waiters(), 1);
    let guard = lock.try_acquire().unwrap();
    assert_eq!(cond.notify(&guard, 1), 1);
    assert_eq!(cond.waiters(), 0);
    // Notified, but the lock is ours: the waiter queues for it.
    assert!(poll_noop(wait.as_mut()).is_pending());
    assert_eq!(lock.waiters(), 1);
    drop(guard);
    let Poll::Ready(mut g) = poll_noop(wait.as_mut()) else {
        panic!("lock not handed over")
    };
    *g += 1;
    assert!(wait.is_terminated());
    assert!(lock.locked());
}

#[test]
fn dropping_an_unpolled_wait_releases_the_lock() {
    let (lock, cond) = (Lock::new(()), Condition::new());
    let wait = cond.wait(lock.try_acquire().unwrap());
    drop(wait);
    assert!(!lock.locked());
}

type QueuedWait<'a> = Pin<Box<Wait<'a, LockGuard<'a, Vec<usize>>>>>;

/// Queues `n` waits (each acquiring the lock, then waiting), returning them in queue order.
fn queue_waits<'a>(
    lock: &'a Lock<Vec<usize>>,
    cond: &'a Condition,
    n: usize,
) -> Vec<QueuedWait<'a>> {
    (0..n)
        .map(|_| {
            let mut w = Box::pin(cond.wait(lock.try_acquire().unwrap()));
            assert!(poll_noop(w.as_mut()).is_pending());
            w
        })
        .collect()
}

#[test]
fn notify_counts_and_order() {
    let (lock, cond) = (Lock::new(Vec::new()), Condition::new());
    let mut waits = queue_waits(&lock, &cond, 4);
    let guard = lock.try_acquire().unwrap();
    assert_eq!(cond.notify(&guard, 0), 0);
    assert_eq!(cond.notify(&guard, 2), 2);
    assert_eq!(cond.notify(&guard, 5), 2);
    assert_eq!(cond.notify_all(&guard), 0);
    drop(guard);
    // Notified waiters get the lock in notify order, one at a time.
    for (i, w) in waits.iter_mut().enumerate() {
        let Poll::Ready(mut g) = poll_noop(w.as_mut()) else {
            panic!("waiter {i} not granted")
        };
        g.push(i);
        assert!(lock.try_acquire().is_none());
    }
    assert_eq!(*lock.try_acquire().unwrap(), vec![0, 1, 2, 3]);
}

#[test]
fn a_notified_waiter_reacquires_when_it_runs_not_in_notify_order() {
    let (lock, cond) = (Lock::new(Vec::new()), Condition::new());
    let mut waits = queue_waits(&lock, &cond, 3);
    let guard = lock.try_acquire().unwrap();
    cond.notify_all(&guard);
    drop(guard);
    // Woken, not handed the lock: whoever runs first takes it, as in asyncio.
    let Poll::Ready(g) = poll_noop(waits[2].as_mut()) else {
        panic!("the lock was free")
    };
    assert!(poll_noop(waits[1].as_mut()).is_pending());
    assert!(poll_noop(waits[0].as_mut()).is_pending());
    drop(g);
    // Queued for the lock, they get it in the lock's FIFO order.
    assert!(poll_noop(waits[0].as_mut()).is_pending());
    assert!(poll_noop(waits[1].as_mut()).is_ready());
    assert!(poll_noop(waits[0].as_mut()).is_ready());
}

#[test]
fn a_notifier_that_releases_and_reacquires_before_the_waiter_runs_goes_first() {
    let (lock, cond) = (Lock::new(Vec::new()), Condition::new());
    let mut waits = queue_waits(&lock, &cond, 1);
    let mut guard = lock.try_acquire().unwrap();
    cond.notify(&guard, 1);
    drop(guard);
    guard = lock.try_acquire().expect("the notifier re-acquires first");
    guard.push(0);
    assert!(poll_noop(waits[0].as_mut()).is_pending());
    drop(guard);
    let Poll::Ready(mut g) = poll_noop(waits[0].as_mut()) else {
        panic!("lock not handed over")
    };
    g.push(1);
    assert_eq!(*g, [0, 1]);
}

#[test]
fn notify_skips_dropped_waiters() {
    let (lock, cond) = (Lock::new(Vec::new()), Condition::new());
    let mut waits = queue_waits(&lock, &cond, 3);
    drop(waits.remove(0)); // never notified: just leaves
    assert_eq!(cond.waiters(), 2);
    let guard = lock.try_acquire().unwrap();
    assert_eq!(cond.notify(&guard, 1), 1);
    drop(guard);
    assert!(poll_noop(waits[0].as_mut()).is_ready());
    assert!(poll_noop(waits[1].as_mut()).is_pending());
    assert_eq!(cond.waiters(), 1);
}

#[test]
fn a_notified_then_dropped_waiter_passes_its_notification_on() {
    let (lock, cond) = (Lock::new(Vec::new()), Condition::new());
    let mut waits = queue_waits(&lock, &cond, 3);
    let guard = lock.try_acquire().unwrap();
    assert_eq!(cond.notify(&guard, 1), 1);
    drop(waits.remove(0)); // notified, then cancelled before it ran
    assert_eq!(cond.waiters(), 1, "notification was not forwarded");
    drop(guard);
    assert!(poll_noop(waits[0].as_mut()).is_ready());
    assert!(poll_noop(waits[1].as_mut()).is_pending());
}

#[test]
fn a_waiter_dropped_after_being_handed_the_lock_passes_both_on() {
    let (lock, cond) = (Lock::new(Vec::new()), Condition::new());
    let mut waits = queue_waits(&lock, &cond, 2);
    let (wakes, waker) = Counter::new();
    assert!(poll(waits[1].as_mut(), &waker).is_pending());
    let guard = lock.try_acquire().unwrap();
    cond.notify(&guard, 1);
    // Notified while the lock is held: it queues for the lock, which our release hands to it.
    assert!(poll_noop(waits[0].as_mut()).is_pending());
    assert_eq!(lock.waiters(), 1);
    drop(guard);
    assert!(lock.locked());
    drop(waits.remove(0));
    // Its notification went to the last waiter, and the lock was released.
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(cond.waiters(), 0);
    assert!(!lock.locked());
    let Poll::Ready(g) = poll(waits[0].as_mut(), &waker) else {
        panic!("notification lost")
    };
    drop(g);
    assert!(!lock.locked());
}

#[test]
fn a_waiter_dropped_while_queued_for_the_lock_leaves_its_queue() {
    let (lock, cond) = (Lock::new(Vec::new()), Condition::new());
    let mut waits = queue_waits(&lock, &cond, 1);
    let guard = lock.try_acquire().unwrap();
    cond.notify(&guard, 1);
    assert!(poll_noop(waits[0].as_mut()).is_pending());
    assert_eq!(lock.waiters(), 1);
    waits.clear();
    assert_eq!(lock.waiters(), 0);
    drop(guard);
    assert!(!lock.locked());
}

#[test]
fn wait_for_returns_at_once_when_the_predicate_holds() {
    let (lock, cond) = (Lock::new(3), Condition::new());
    let mut wait = pin!(cond.wait_for(lock.try_acquire().unwrap(), |n| *n == 3));
    let Poll::Ready(g) = poll_noop(wait.as_mut()) else {
        panic!("waited needlessly")
    };
    assert!(wait.is_terminated());
    assert_eq!(*g, 3);
}

#[test]
fn wait_for_rechecks_after_every_wake_up() {
    let (lock, cond) = (Lock::new(0), Condition::new());
    let mut checks = 0;
    {
        let mut wait = pin!(cond.wait_for(lock.try_acquire().unwrap(), |n| {
            checks += 1;
            *n >= 2
        }));
        assert!(poll_noop(wait.as_mut()).is_pending());
        for _ in 0..2 {
            let mut g = lock.try_acquire().unwrap();
            *g += 1;
            cond.notify_all(&g);
            drop(g);
            let _ = poll_noop(wait.as_mut());
        }
        assert!(wait.is_terminated());
    }
    assert_eq!(checks, 3);
    assert!(!lock.locked());
}

#[test]
fn conditions_share_a_lock_and_are_not_tied_to_one() {
    let (a, b) = (Lock::new(()), Lock::new(()));
    let (c1, c2) = (Condition::new(), Condition::new());
    let mut w1 = pin!(c1.wait(a.try_acquire().unwrap()));
    assert!(poll_noop(w1.as_mut()).is_pending());
    let mut w2 = pin!(c2.wait(a.try_acquire().unwrap()));
    assert!(poll_noop(w2.as_mut()).is_pending());
    let guard = a.try_acquire().unwrap();
    assert_eq!(c2.notify(&guard, 1), 1);
    drop(guard);
    assert!(poll_noop(w2.as_mut()).is_ready());
    assert!(poll_noop(w1.as_mut()).is_pending());
    // c1 also serves `b` meanwhile; each waiter re-acquires its own lock.
    let mut w3 = pin!(c1.wait(b.try_acquire().unwrap()));
    assert!(poll_noop(w3.as_mut()).is_pending());
    let guard = b.try_acquire().unwrap();
    assert_eq!(c1.notify_all(&guard), 2);
    assert!(poll_noop(w3.as_mut()).is_pending(), "b is held");
    let Poll::Ready(ga) = poll_noop(w1.as_mut()) else {
        panic!("a is free")
    };
    drop(guard);
    assert!(poll_noop(w3.as_mut()).is_ready());
    drop(ga);
    assert!(!a.locked() && !b.locked());
}

/// Issue: a Condition identified its lock by address, so a leaked wait on a dropped lock
/// captured a new lock created at the same address and kept it locked forever.
#[test]
#[cfg_attr(miri, ignore = "leaks on purpose")]
fn a_leaked_wait_cannot_capture_a_new_lock_at_the_same_address() {
    let cond = Condition::new();
    let a = Box::new(Lock::new(0_u64));
    let mut wait = Box::pin(cond.wait(a.try_acquire().unwrap()));
    assert!(poll_noop(wait.as_mut()).is_pending());
    std::mem::forget(wait);
    drop(a);
    // Whether or not it lands at the same address, a new lock must be unaffected.
    let b = Box::new(Lock::new(0_u64));
    let guard = b.try_acquire().unwrap();
    cond.notify(&guard, 1);
    drop(guard);
    assert!(!b.locked(), "the new lock was handed to a leaked waiter");
    assert!(b.try_acquire().is_some());
}

/// The classic bounded buffer: two conditions on one lock, producers and consumers on any
/// executor; every item arrives exactly once.
async fn bounded_buffer(ex: Exec) {
    const CAP: usize = 4;
    let items = scaled(400);
    let shared = Arc::new((
        Lock::new(VecDeque::new()),
        Condition::new(),
        Condition::new(),
    ));
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let shared = shared.clone();
            ex.spawn(async move {
                let (buf, not_empty, not_full) = &*shared;
                for i in 0..items {
                    let mut q = not_full
                        .wait_for(buf.acquire().await, |q| q.len() < CAP)
                        .await;
                    q.push_back(p * items + i);
                    not_empty.notify(&q, 1);
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let shared = shared.clone();
            ex.spawn(async move {
                let (buf, not_empty, not_full) = &*shared;
                let mut got = Vec::new();
                for _ in 0..items {
                    let mut q = not_empty
                        .wait_for(buf.acquire().await, |q| !q.is_empty())
                        .await;
                    got.push(q.pop_front().unwrap());
                    not_full.notify(&q, 1);
                }
                got
            })
        })
        .collect();
    for p in producers {
        p.await;
    }
    let mut all = Vec::new();
    for c in consumers {
        all.extend(c.await);
    }
    all.sort_unstable();
    assert_eq!(all, (0..2 * items).collect::<Vec<_>>());
}

/// Waiters cancelled at random points (some after being notified) never swallow a
/// notification: every task that is notified once per item eventually finishes.
async fn cancelled_waiters_never_swallow_notifications(ex: Exec) {
    let shared = Arc::new((Lock::new(0_usize), Condition::new()));
    let mut waiters = Vec::new();
    for i in 0..8 {
        let shared2 = shared.clone();
        waiters.push(ex.spawn(async move {
            let (lock, cond) = &*shared2;
            let mut g = cond.wait(lock.acquire().await).await;
            *g += 1;
        }));
        until(|| shared.1.waiters() == i + 1).await;
    }
    let (lock, cond) = &*shared;
    {
        let g = lock.acquire().await;
        assert_eq!(cond.notify(&g, 4), 4);
        // Cancel two of the notified waiters and two of the others while we hold the lock.
        drop(waiters.remove(0));
        drop(waiters.remove(5));
        drop(waiters.remove(1));
        drop(waiters.remove(3));
    }
    // Forwarded notifications: exactly 4 of the 4 remaining waiters finish.
    for w in waiters {
        w.await;
    }
    assert_eq!(*lock.acquire().await, 4);
    assert_eq!(cond.waiters(), 0);
}

on_every_executor!(
    bounded_buffer,
    cancelled_waiters_never_swallow_notifications,
    owned_waits_with_deadlines,
);

#[test]
fn owned_guards_wait_and_notify_too() {
    let lock = Arc::new(Lock::new(0));
    let cond = Condition::new();
    let mut wait = pin!(cond.wait_for(lock.try_acquire_owned().unwrap(), |n| *n > 0));
    assert!(poll_noop(wait.as_mut()).is_pending());
    assert!(!lock.locked());
    let mut guard = lock.try_acquire_owned().unwrap();
    *guard = 1;
    assert_eq!(cond.notify(&guard, 1), 1);
    drop(guard);
    let Poll::Ready(guard) = poll_noop(wait.as_mut()) else {
        panic!("not woken")
    };
    assert_eq!(*guard, 1);
    assert!(Arc::ptr_eq(aiosync::OwnedLockGuard::lock(&guard), &lock));
}

#[test]
fn blocking_waits_share_the_queue_with_async_waits() {
    let shared = Arc::new((Lock::new(Vec::new()), Condition::new()));
    let (lock, cond) = &*shared;
    let mut early = pin!(cond.wait(lock.try_acquire().unwrap()));
    assert!(poll_noop(early.as_mut()).is_pending());
    let s = shared.clone();
    let blocking = std::thread::spawn(move || {
        let (lock, cond) = &*s;
        let mut guard = cond.wait_blocking(lock.acquire_blocking());
        guard.push("blocking");
    });
    while cond.waiters() < 2 {
        std::thread::yield_now();
    }
    // The count can be read just before the thread's `wait` hands the lock back, so wait for it.
    let guard = lock.acquire_blocking();
    // Notified in FIFO order: the async waiter first.
    assert_eq!(cond.notify(&guard, 1), 1);
    drop(guard);
    let Poll::Ready(mut guard) = poll_noop(early.as_mut()) else {
        panic!("the oldest waiter was not notified")
    };
    guard.push("async");
    assert_eq!(cond.notify(&guard, 1), 1);
    drop(guard);
    blocking.join().unwrap();
    assert_eq!(*lock.try_acquire().unwrap(), ["async", "blocking"]);
}

/// Spawned tasks wait with owned guards under a deadline; whether the deadline or the
/// notification wins, the lock is never stranded and every surviving waiter gets the item.
async fn owned_waits_with_deadlines(ex: Exec) {
    let lock = Arc::new(Lock::new(0_usize));
    let cond = Arc::new(Condition::new());
    let started = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (lock, cond, started) = (lock.clone(), cond.clone(), started.clone());
            ex.spawn(async move {
                let guard = lock.acquire_owned().await;
                started.fetch_add(1, Ordering::SeqCst);
                let deadline = Duration::from_millis(if i % 2 == 0 { 1 } else { 5_000 });
                match common::timeout(deadline, cond.wait_for(guard, |n| *n > 0)).await {
                    Some(mut n) => {
                        *n -= 1;
                        true
                    }
                    None => false,
                }
            })
        })
        .collect();
    // Every task has started waiting and the four short deadlines have passed.
    until(|| started.load(Ordering::SeqCst) == 8 && cond.waiters() == 4).await;
    let mut n = lock.acquire().await;
    *n = 4;
    cond.notify_all(&n);
    drop(n);
    let mut served = 0;
    for task in tasks {
        served += usize::from(task.await);
    }
    assert_eq!(served, 4);
    assert_eq!(*lock.acquire().await, 0);
    assert!(!lock.locked() && cond.waiters() == 0);
}

/// `Condition::new` and `Lock::new` are `const`: a `static` bounded buffer shared by threads.
#[test]
#[cfg(not(loom))] // `new` is not `const` under loom
fn a_static_condition_and_lock_are_shared_by_threads() {
    static ITEMS: Lock<Vec<usize>> = Lock::new(Vec::new());
    static NOT_EMPTY: Condition = Condition::new();
    let n = scaled(200);
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(move || {
                (0..n)
                    .map(|_| {
                        let mut items = NOT_EMPTY
                            .wait_for_blocking(ITEMS.acquire_blocking(), |v| !v.is_empty());
                        items.pop().unwrap()
                    })
                    .sum::<usize>()
            })
        })
        .collect();
    for i in 0..2 * n {
        let mut items = ITEMS.acquire_blocking();
        items.push(i);
        NOT_EMPTY.notify(&items, 1);
    }
    let total: usize = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(total, (0..2 * n).sum::<usize>());
    assert_eq!(NOT_EMPTY.waiters(), 0);
}

/// A blocking wait that times out leaves the condition's queue and comes back with the lock
/// held; the waiter behind it still gets the next notification.
#[test]
fn a_timed_out_blocking_wait_comes_back_with_the_lock_and_loses_no_notification() {
    let shared = Arc::new((Lock::new(0), Condition::new()));
    let s = shared.clone();
    let timed = std::thread::spawn(move || {
        let (lock, cond) = &*s;
        let start = std::time::Instant::now();
        let (guard, timed_out) =
            cond.wait_blocking_timeout(lock.acquire_blocking(), Duration::from_millis(50));
        assert!(lock.locked(), "the guard holds the lock again");
        drop(guard);
        (timed_out, start.elapsed())
    });
    let (lock, cond) = &*shared;
    while cond.waiters() < 1 {
        std::thread::yield_now();
    }
    // Queued behind the timed waiter (the lock is free while it waits).
    let (counter, waker) = Counter::new();
    let mut next = pin!(cond.wait(lock.acquire_blocking()));
    assert!(poll(next.as_mut(), &waker).is_pending());
    let (timed_out, waited) = timed.join().unwrap();
    assert!(timed_out);
    assert!(
        waited >= Duration::from_millis(50),
        "gave up early: {waited:?}"
    );
    assert_eq!(cond.waiters(), 1);
    let guard = lock.try_acquire().unwrap();
    assert_eq!(
        cond.notify(&guard, 1),
        1,
        "the notification reaches the next waiter"
    );
    drop(guard);
    assert_eq!(counter.wakes(), 1);
    assert!(poll(next.as_mut(), &waker).is_ready());
    assert!(!lock.locked());
}

/// The timeout covers the wait for a notification only, as with `std::sync::Condvar`: a waiter
/// notified in time keeps its notification (none is passed on to the next waiter) and waits for
/// the lock past its deadline.
#[test]
fn a_blocking_wait_notified_in_time_waits_for_the_lock_past_its_deadline() {
    let shared = Arc::new((Lock::new(0), Condition::new()));
    let s = shared.clone();
    let timed = std::thread::spawn(move || {
        let (lock, cond) = &*s;
        let (guard, timed_out) =
            cond.wait_blocking_timeout(lock.acquire_blocking(), Duration::from_millis(300));
        (*guard, timed_out)
    });
    let (lock, cond) = &*shared;
    while cond.waiters() < 1 {
        std::thread::yield_now();
    }
    let (counter, waker) = Counter::new();
    let mut next = pin!(cond.wait(lock.acquire_blocking()));
    assert!(poll(next.as_mut(), &waker).is_pending());
    let mut guard = lock.acquire_blocking();
    *guard = 7;
    assert_eq!(cond.notify(&guard, 1), 1);
    // Hold the lock well past the waiter's deadline.
    std::thread::sleep(Duration::from_millis(500));
    drop(guard);
    assert_eq!(timed.join().unwrap(), (7, false));
    assert_eq!(counter.wakes(), 0, "the notification was not passed on");
    assert_eq!(cond.waiters(), 1);
    let guard = lock.acquire_blocking();
    cond.notify_all(&guard);
    drop(guard);
    assert!(poll(next.as_mut(), &waker).is_ready());
}

#[test]
fn wait_for_blocking_timeout_times_out_or_sees_the_predicate_come_true() {
    let shared = Arc::new((Lock::new(0), Condition::new()));
    let (lock, cond) = &*shared;
    // Nobody makes it true: times out, predicate still false, lock held, queue empty.
    let (guard, timed_out) =
        cond.wait_for_blocking_timeout(lock.acquire_blocking(), Duration::from_millis(20), |n| {
            *n > 0
        });
    assert!(timed_out);
    assert_eq!(*guard, 0);
    assert!(lock.locked());
    assert_eq!(cond.waiters(), 0);
    drop(guard);
    // Another thread makes it true in steps, notifying each time.
    let s = shared.clone();
    let stepper = std::thread::spawn(move || {
        let (lock, cond) = &*s;
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(5));
            let mut n = lock.acquire_blocking();
            *n += 1;
            cond.notify_all(&n);
        }
    });
    let (guard, timed_out) =
        cond.wait_for_blocking_timeout(lock.acquire_blocking(), Duration::from_secs(60), |n| {
            *n == 3
        });
    assert!(!timed_out);
    assert_eq!(*guard, 3);
    drop(guard);
    stepper.join().unwrap();
}

/// Owned guards come back from a timed-out wait too, holding the same lock.
#[test]
fn a_timed_out_wait_with_an_owned_guard_returns_an_owned_guard() {
    let (lock, cond) = (Arc::new(Lock::new(())), Condition::new());
    let (guard, timed_out) =
        cond.wait_blocking_timeout(lock.try_acquire_owned().unwrap(), Duration::ZERO);
    assert!(timed_out);
    assert!(Arc::ptr_eq(aiosync::OwnedLockGuard::lock(&guard), &lock));
    assert!(lock.locked());
    drop(guard);
    assert!(!lock.locked());
    assert_eq!(cond.waiters(), 0);
}

// `wait_until`: a wait with any future as its deadline, which comes back with the lock held.

#[test]
fn wait_until_the_deadline_wins_and_the_lock_is_held_again() {
    let (lock, cond) = (Lock::new(()), Condition::new());
    let mut wait = pin!(cond.wait_until(lock.try_acquire().unwrap(), std::future::ready(())));
    let Poll::Ready((guard, timed_out)) = poll_noop(wait.as_mut()) else {
        panic!("a passed deadline did not end the wait");
    };
    assert!(timed_out);
    assert!(lock.locked());
    assert_eq!(cond.waiters(), 0);
    assert!(wait.is_terminated());
    drop(guard);
    assert!(!lock.locked());
}

#[test]
fn wait_until_the_notification_wins() {
    let (lock, cond) = (Lock::new(0), Condition::new());
    let mut wait = pin!(cond.wait_until(lock.try_acquire().unwrap(), std::future::pending::<()>()));
    let (counter, waker) = Counter::new();
    assert!(poll(wait.as_mut(), &waker).is_pending());
    let mut g = lock.try_acquire().unwrap();
    *g = 1;
    assert_eq!(cond.notify(&g, 1), 1);
    drop(g);
    assert_eq!(counter.wakes(), 1);
    let Poll::Ready((guard, timed_out)) = poll_noop(wait.as_mut()) else {
        panic!("the notified wait did not take the lock");
    };
    assert!(!timed_out);
    assert_eq!(*guard, 1);
}

#[test]
fn wait_until_keeps_a_notification_that_comes_as_the_deadline_passes() {
    let (lock, cond) = (Lock::new(()), Condition::new());
    // Once armed, the deadline notifies when polled, then passes: the notification lands
    // between the wait's poll and the deadline's, so both are there at once.
    let armed = std::cell::Cell::new(false);
    let deadline = std::future::poll_fn(|_| {
        if !armed.get() {
            return Poll::Pending;
        }
        let g = lock.try_acquire().expect("the waiters released the lock");
        assert_eq!(cond.notify(&g, 1), 1);
        Poll::Ready(())
    });
    let mut wait = pin!(cond.wait_until(lock.try_acquire().unwrap(), deadline));
    assert!(poll_noop(wait.as_mut()).is_pending());
    // A second waiter, behind: it must get no notification out of this.
    let mut other = pin!(cond.wait(lock.try_acquire().unwrap()));
    let (other_counter, other_waker) = Counter::new();
    assert!(poll(other.as_mut(), &other_waker).is_pending());

    armed.set(true);
    let Poll::Ready((_guard, timed_out)) = poll_noop(wait.as_mut()) else {
        panic!("the wait did not take the lock");
    };
    assert!(
        !timed_out,
        "the notification that came with the deadline was lost"
    );
    assert_eq!(
        other_counter.wakes(),
        0,
        "the notification was passed on as well"
    );
    assert_eq!(cond.waiters(), 1);
}

#[test]
fn a_timed_out_wait_dropped_while_taking_the_lock_passes_no_notification_on() {
    let (lock, cond) = (Lock::new(()), Condition::new());
    let mut other = pin!(cond.wait(lock.try_acquire().unwrap()));
    let (other_counter, other_waker) = Counter::new();
    assert!(poll(other.as_mut(), &other_waker).is_pending());
    let passed = std::cell::Cell::new(false);
    let deadline = std::future::poll_fn(|_| {
        if passed.get() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    });
    let mut wait = Box::pin(cond.wait_until(lock.try_acquire().unwrap(), deadline));
    assert!(poll_noop(wait.as_mut()).is_pending());
    let holder = lock.try_acquire().unwrap();
    passed.set(true);
    // Timed out: it now waits for the lock, which `holder` has.
    assert!(poll_noop(wait.as_mut()).is_pending());
    assert_eq!(cond.waiters(), 1);
    assert_eq!(lock.waiters(), 1);
    drop(wait);
    assert_eq!(lock.waiters(), 0);
    assert_eq!(other_counter.wakes(), 0, "a notification was made up");
    drop(holder);
    assert!(!lock.locked());
    assert!(poll(other.as_mut(), &other_waker).is_pending());
}

#[test]
fn wait_until_works_with_each_runtime_s_timer() {
    // tokio's own timer.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let (lock, cond) = (Lock::new(()), Condition::new());
        let guard = lock.acquire().await;
        let (guard, timed_out) = cond
            .wait_until(guard, tokio::time::sleep(Duration::from_millis(5)))
            .await;
        assert!(timed_out && lock.locked());
        drop(guard);
    });
    // futures' executor, with a timer thread and a notifier racing it.
    futures_executor::block_on(async {
        let (lock, cond) = (Lock::new(false), Condition::new());
        let waiter = async {
            let guard = lock.acquire().await;
            cond.wait_until(guard, common::sleep(Duration::from_secs(30)))
                .await
        };
        let notifier = async {
            let mut ready = lock.acquire().await;
            *ready = true;
            cond.notify(&ready, 1);
        };
        let ((ready, timed_out), ()) = futures_util::join!(waiter, notifier);
        assert!(*ready && !timed_out);
    });
}
