//! A panic in user code (a waker, a `wait_for` predicate, a task holding a guard or a permit)
//! leaves every primitive consistent and usable. aiosync does not poison: like tokio's locks, a
//! guard dropped by unwinding simply releases.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

use aiosync::{BoundedSemaphore, Condition, Event, Lock, Semaphore};
use common::{Counter, poll, poll_noop};

/// A waker whose `wake` panics.
struct Panicky;

impl Wake for Panicky {
    fn wake(self: Arc<Self>) {
        panic!("waker panicked");
    }
}

fn panicky() -> Waker {
    Waker::from(Arc::new(Panicky))
}

fn panics(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}

#[test]
fn a_panicking_waker_still_gets_the_lock_and_the_lock_keeps_working() {
    let lock = Lock::new(0);
    let guard = lock.try_acquire().unwrap();
    let mut first = pin!(lock.acquire());
    let mut second = pin!(lock.acquire());
    assert!(poll(first.as_mut(), &panicky()).is_pending());
    let (counter, waker) = Counter::new();
    assert!(poll(second.as_mut(), &waker).is_pending());

    // The panic surfaces in the releasing task, after the hand-off is complete.
    assert!(panics(|| drop(guard)));
    let Poll::Ready(mut g) = poll_noop(first.as_mut()) else {
        panic!("the lock was not handed to the waiter whose waker panicked");
    };
    *g += 1;
    drop(g);
    assert_eq!(counter.wakes(), 1);
    let Poll::Ready(g) = poll_noop(second.as_mut()) else {
        panic!("the next waiter was not granted");
    };
    assert_eq!(*g, 1);
    drop(g);
    assert!(!lock.locked());
    assert_eq!(lock.waiters(), 0);
}

#[test]
fn a_panicking_waker_does_not_stop_event_set_from_waking_the_rest() {
    let event = Event::new();
    let mut waits: Vec<_> = (0..3).map(|_| Box::pin(event.wait())).collect();
    let counters: Vec<_> = (0..3)
        .map(|i| {
            let (counter, waker) = Counter::new();
            let waker = if i == 1 { panicky() } else { waker };
            assert!(poll(waits[i].as_mut(), &waker).is_pending());
            counter
        })
        .collect();

    assert!(panics(|| event.set()));
    assert!(event.is_set());
    assert_eq!(counters[0].wakes(), 1);
    assert_eq!(
        counters[2].wakes(),
        1,
        "a waker after the panicking one was skipped"
    );
    event.clear();
    for wait in &mut waits {
        assert!(poll_noop(wait.as_mut()).is_ready());
    }
    assert_eq!(event.waiters(), 0);
}

#[test]
fn a_panicking_waker_loses_no_semaphore_permit() {
    let sem = BoundedSemaphore::new(2);
    let held = [sem.try_acquire().unwrap(), sem.try_acquire().unwrap()];
    let mut first = pin!(sem.acquire());
    assert!(poll(first.as_mut(), &panicky()).is_pending());
    let mut second = pin!(sem.acquire());
    assert!(poll_noop(second.as_mut()).is_pending());

    assert!(panics(|| drop(held)));
    let Poll::Ready(a) = poll_noop(first.as_mut()) else {
        panic!("permit lost")
    };
    let Poll::Ready(b) = poll_noop(second.as_mut()) else {
        panic!("permit lost")
    };
    drop((a, b));
    assert_eq!(sem.available_permits(), 2);
    assert!(sem.release().is_err(), "the bound was exceeded");
}

#[test]
fn a_panicking_predicate_releases_the_lock_and_leaves_the_condition_usable() {
    let lock = Lock::new(0);
    let cond = Condition::new();

    // Panicking on the first check, while the future holds the guard.
    let mut wait = Box::pin(cond.wait_for(lock.try_acquire().unwrap(), |_| panic!("predicate")));
    assert!(panics(|| drop(poll_noop(wait.as_mut()))));
    drop(wait);
    assert!(
        !lock.locked(),
        "the guard inside the panicked future was not released"
    );

    // Panicking on a re-check after a notification, with the lock re-acquired.
    let mut checks = 0;
    let mut wait = Box::pin(cond.wait_for(lock.try_acquire().unwrap(), |_| {
        checks += 1;
        assert!(checks < 2, "predicate");
        false
    }));
    assert!(poll_noop(wait.as_mut()).is_pending());
    let mut other = Box::pin(cond.wait_for(lock.try_acquire().unwrap(), |v| *v == 1));
    assert!(poll_noop(other.as_mut()).is_pending());
    let mut g = lock.try_acquire().unwrap();
    *g = 1;
    assert_eq!(cond.notify_all(&g), 2);
    drop(g);
    assert!(panics(|| drop(poll_noop(wait.as_mut()))));
    drop(wait);
    let Poll::Ready(g) = poll_noop(other.as_mut()) else {
        panic!("the waiter after the panicking one never got the lock");
    };
    assert_eq!(*g, 1);
    drop(g);
    assert!(!lock.locked());
    assert_eq!(cond.waiters(), 0);
}

#[test]
fn a_task_panicking_with_the_lock_held_releases_it() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let lock = Arc::new(Lock::new(Vec::new()));
        let held = Arc::new(Event::new());
        let panicker = {
            let (lock, held) = (lock.clone(), held.clone());
            tokio::spawn(async move {
                let mut guard = lock.acquire().await;
                guard.push("before");
                held.set();
                tokio::task::yield_now().await;
                panic!("task panicked holding the lock");
            })
        };
        held.wait().await;
        let waiter = {
            let lock = lock.clone();
            tokio::spawn(async move { lock.acquire().await.push("after") })
        };
        assert!(panicker.await.unwrap_err().is_panic());
        waiter.await.unwrap();
        assert_eq!(*lock.acquire().await, ["before", "after"]);
        assert!(!lock.locked());
    });
}

#[test]
fn a_task_panicking_with_a_permit_returns_it() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let sem = Arc::new(Semaphore::new(2));
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let sem = sem.clone();
                tokio::spawn(async move {
                    let _permit = sem.acquire().await;
                    tokio::task::yield_now().await;
                    assert!(i % 2 == 0, "task {i} panicked holding a permit");
                })
            })
            .collect();
        let mut panicked = 0;
        for task in tasks {
            panicked += usize::from(task.await.is_err());
        }
        assert_eq!(panicked, 4);
        assert_eq!(sem.available_permits(), 2);
        assert_eq!(sem.waiters(), 0);
    });
}
