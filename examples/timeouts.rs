//! Deadlines without a timer in the crate: every aiosync wait is cancel-safe, so any runtime's
//! timeout (or a plain `select!` against a timer) can abandon it and nothing is lost.
//!
//! The same two scenarios run on tokio (with `tokio::time::timeout`) and on futures' thread pool
//! (with a `select` against a minimal thread-backed timer):
//! 1. acquiring a Lock with a deadline while another task holds it too long;
//! 2. waiting on a Condition with a deadline: the first waiter's deadline wins, and the later
//!    notification still reaches the second waiter (a waiter dropped *after* being notified would
//!    pass the notification on as well);
//! 3. the loop a ported asyncio worker needs: a timed-out `wait_for` was dropped with the guard
//!    inside it (asyncio re-acquires the lock before raising `TimeoutError`), so every round
//!    acquires the lock again;
//! 4. the same worker with `Condition::wait_until`, which takes any future as its deadline and
//!    comes back with the guard either way, as asyncio's `wait_for(cond.wait(), t)` does, so the
//!    worker keeps the lock between rounds.
//!
//! And the same from plain threads, with the timed blocking waits (`thread::park_timeout`
//! underneath), which follow `std::sync::Condvar` and come back with the lock held.
//!
//! Run it with `cargo run --example timeouts`.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use aiosync::{Condition, Lock};
use futures_util::future::{Either, select};

/// A deadline for any executor: a thread wakes the task when the time is up.
fn sleep(d: Duration) -> impl Future<Output = ()> + Send {
    let state = Arc::new(Mutex::new((false, None::<Waker>)));
    let timer = state.clone();
    std::thread::spawn(move || {
        std::thread::sleep(d);
        let mut s = timer.lock().unwrap();
        s.0 = true;
        if let Some(w) = s.1.take() {
            w.wake();
        }
    });
    std::future::poll_fn(move |cx| {
        let mut s = state.lock().unwrap();
        if s.0 {
            Poll::Ready(())
        } else {
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    })
}

async fn with_deadline<F: Future>(d: Duration, fut: F) -> Option<F::Output> {
    match select(pin!(fut), pin!(sleep(d))).await {
        Either::Left((out, _)) => Some(out),
        Either::Right(_) => None,
    }
}

/// Scenario 1, with `timeout` being the runtime's (or our) deadline combinator.
async fn lock_with_deadline<T, Fut>(rt: &str, timeout: T)
where
    T: Fn(Duration, aiosync::lock::AcquireOwned<Vec<&'static str>>) -> Fut,
    Fut: Future<Output = Option<aiosync::OwnedLockGuard<Vec<&'static str>>>>,
{
    let log = Arc::new(Lock::new(Vec::new()));
    let slow = log.try_acquire_owned().unwrap();
    // The holder keeps the lock for 50 ms; a 10 ms deadline gives up, a 500 ms one does not.
    let impatient = timeout(Duration::from_millis(10), log.acquire_owned());
    let patient = timeout(Duration::from_millis(500), log.acquire_owned());
    let release_later = async move {
        sleep(Duration::from_millis(50)).await;
        drop(slow);
    };
    let (a, b, ()) = futures_util::join!(impatient, patient, release_later);
    println!(
        "[{rt}] lock: 10 ms deadline -> {}",
        if a.is_some() { "acquired" } else { "gave up" }
    );
    let mut guard = b.expect("the patient waiter must get the lock");
    println!("[{rt}] lock: 500 ms deadline -> acquired after the holder released");
    guard.push("patient");
    drop(guard);
    assert!(!log.locked(), "nothing left holding the lock");
    assert_eq!(log.waiters(), 0, "the abandoned waiter left the queue");
}

/// Scenario 2: two waiters; the first gives up at its deadline, and the notification sent later
/// reaches the second.
async fn condition_with_deadline(rt: &str) {
    let lock = Arc::new(Lock::new(0));
    let ready = Arc::new(Condition::new());
    let first = with_deadline(
        Duration::from_millis(20),
        ready.wait_for(lock.acquire_owned().await, |n| *n > 0),
    );
    let mut first = pin!(first);
    // Poll once so the first waiter is queued before the second.
    assert!(futures_util::poll!(first.as_mut()).is_pending());
    let second = ready.wait_for(lock.acquire_owned().await, |n| *n > 0);
    let notifier = async {
        sleep(Duration::from_millis(40)).await;
        let mut n = lock.acquire().await;
        *n = 1;
        println!(
            "[{rt}] condition: notify(1) with {} waiting",
            ready.waiters()
        );
        ready.notify(&n, 1);
    };
    let (a, b, ()) = futures_util::join!(first, second, notifier);
    println!(
        "[{rt}] condition: first waiter (20 ms deadline) -> {}",
        if a.is_some() { "woken" } else { "gave up" }
    );
    println!("[{rt}] condition: second waiter -> woken with n = {}", *b);
    drop((a, b));
    assert!(!lock.locked());
    assert_eq!(ready.waiters(), 0);
}

/// Scenario 3. The asyncio worker being ported:
///
/// ```python
/// while len(done) < 3:
///     async with cond:
///         try:
///             await asyncio.wait_for(cond.wait_for(lambda: jobs), 0.01)
///         except TimeoutError:
///             idle_rounds += 1  # asyncio holds the lock again here
///             continue
///         done.append(jobs.pop(0))
/// ```
async fn worker_loop(rt: &str) {
    let jobs = Lock::new(Vec::new());
    let not_empty = Condition::new();
    let producer = async {
        for job in 1..=3 {
            sleep(Duration::from_millis(25)).await;
            let mut queue = jobs.acquire().await;
            queue.push(job);
            not_empty.notify(&queue, 1);
        }
    };
    let worker = async {
        let (mut done, mut idle_rounds) = (Vec::new(), 0);
        while done.len() < 3 {
            // Each round takes the lock: a `wait_for` that timed out took the guard with it.
            let guard = jobs.acquire().await;
            let wait = not_empty.wait_for(guard, |jobs| !jobs.is_empty());
            // On tokio, `tokio::time::timeout(d, wait).await.ok()` is the same.
            match with_deadline(Duration::from_millis(10), wait).await {
                Some(mut jobs) => done.push(jobs.remove(0)),
                None => idle_rounds += 1, // the lock is not held here
            }
        }
        (done, idle_rounds)
    };
    let ((), (done, idle_rounds)) = futures_util::join!(producer, worker);
    println!("[{rt}] worker loop: jobs {done:?} done, {idle_rounds} rounds timed out");
    assert_eq!(done, [1, 2, 3], "no job lost to a timeout");
    assert!(!jobs.locked());
    assert_eq!(not_empty.waiters(), 0);
}

/// Scenario 4: the worker keeps its guard across timed-out rounds, with `deadline` the runtime's
/// timer (`tokio::time::sleep`, or the thread-backed one above).
async fn worker_keeping_the_guard<D: Future>(rt: &str, deadline: impl Fn(Duration) -> D) {
    let jobs = Lock::new(Vec::new());
    let not_empty = Condition::new();
    let producer = async {
        for job in 1..=3 {
            sleep(Duration::from_millis(25)).await;
            let mut queue = jobs.acquire().await;
            queue.push(job);
            not_empty.notify(&queue, 1);
        }
    };
    let worker = async {
        let (mut done, mut idle_rounds) = (Vec::new(), 0);
        let mut queue = jobs.acquire().await;
        while done.len() < 3 {
            if queue.is_empty() {
                let timed_out;
                (queue, timed_out) = not_empty
                    .wait_until(queue, deadline(Duration::from_millis(10)))
                    .await;
                idle_rounds += usize::from(timed_out); // the lock is held here either way
                continue;
            }
            done.push(queue.remove(0));
        }
        (done, idle_rounds)
    };
    let ((), (done, idle_rounds)) = futures_util::join!(producer, worker);
    println!("[{rt}] worker keeping its guard: jobs {done:?} done, {idle_rounds} rounds timed out");
    assert_eq!(done, [1, 2, 3], "no job lost to a timeout");
    assert!(!jobs.locked());
    assert_eq!(not_empty.waiters(), 0);
}

/// The same worker on a plain thread: `wait_for_blocking_timeout` comes back with the guard
/// whether or not it timed out, as `std::sync::Condvar::wait_timeout_while` does, so the loop
/// keeps the lock between rounds. The producer is a thread too, using `acquire_blocking_timeout`.
fn worker_thread() {
    let shared = Arc::new((Lock::new(Vec::new()), Condition::new()));
    let s = shared.clone();
    let producer = std::thread::spawn(move || {
        let (jobs, not_empty) = &*s;
        for job in 1..=3 {
            std::thread::sleep(Duration::from_millis(25));
            let mut queue = jobs
                .acquire_blocking_timeout(Duration::from_secs(5))
                .expect("the worker only holds the lock briefly");
            queue.push(job);
            not_empty.notify(&queue, 1);
        }
    });
    let (jobs, not_empty) = &*shared;
    let (mut done, mut idle_rounds) = (Vec::new(), 0);
    let mut queue = jobs.acquire_blocking();
    while done.len() < 3 {
        let timed_out;
        (queue, timed_out) =
            not_empty
                .wait_for_blocking_timeout(queue, Duration::from_millis(10), |q| !q.is_empty());
        if timed_out {
            idle_rounds += 1; // the lock is held again here, as in asyncio
        } else {
            done.push(queue.remove(0));
        }
    }
    drop(queue);
    producer.join().unwrap();
    println!("[threads] worker loop: jobs {done:?} done, {idle_rounds} rounds timed out");
    assert_eq!(done, [1, 2, 3]);
    assert!(!jobs.locked());
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        lock_with_deadline("tokio", |d, f| async move {
            tokio::time::timeout(d, f).await.ok()
        })
        .await;
        condition_with_deadline("tokio").await;
        worker_loop("tokio").await;
        worker_keeping_the_guard("tokio", tokio::time::sleep).await;
    });

    futures_executor::block_on(async {
        lock_with_deadline("futures", with_deadline).await;
        condition_with_deadline("futures").await;
        worker_loop("futures").await;
        worker_keeping_the_guard("futures", sleep).await;
    });

    worker_thread();
    println!("nothing lost: every lock released, every queue empty");
}
