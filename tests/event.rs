//! Event: asyncio's semantics (asyncio-semantics.md §2).

mod common;

use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use aiosync::Event;
use common::{Counter, Exec, poll, poll_noop, until};

#[test]
fn flag_set_clear_is_set() {
    let event = Event::default();
    assert!(!event.is_set());
    event.set();
    event.set();
    assert!(event.is_set());
    event.clear();
    assert!(!event.is_set());
    assert_eq!(format!("{event:?}"), "Event { is_set: false, waiters: 0 }");
}

#[test]
fn wait_on_a_set_event_is_immediate() {
    let event = Event::new();
    event.set();
    assert!(poll_noop(pin!(event.wait())).is_ready());
}

/// A waker that records its id in a shared log when woken.
struct Logger(usize, Arc<Mutex<Vec<usize>>>);

impl Wake for Logger {
    fn wake(self: Arc<Self>) {
        self.1.lock().unwrap().push(self.0);
    }
}

#[test]
fn set_wakes_every_waiter_in_fifo_order() {
    // More waiters than one batch of wakers, to cover waking in several batches.
    const N: usize = 100;
    let event = Event::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut waits: Vec<_> = (0..N).map(|_| Box::pin(event.wait())).collect();
    for (i, w) in waits.iter_mut().enumerate() {
        let waker = Waker::from(Arc::new(Logger(i, log.clone())));
        assert!(poll(w.as_mut(), &waker).is_pending());
    }
    assert_eq!(event.waiters(), N);
    event.set();
    assert_eq!(*log.lock().unwrap(), (0..N).collect::<Vec<_>>());
    assert_eq!(event.waiters(), 0);
    for w in &mut waits {
        assert!(poll_noop(w.as_mut()).is_ready());
    }
}

#[test]
fn a_waiter_woken_by_set_completes_even_if_cleared_before_it_runs() {
    let event = Event::new();
    let mut w = pin!(event.wait());
    assert!(poll_noop(w.as_mut()).is_pending());
    event.set();
    event.clear();
    assert!(poll_noop(w.as_mut()).is_ready());
}

#[test]
fn a_waiter_that_queues_after_clear_waits_for_the_next_set() {
    let event = Event::new();
    let (wakes, waker) = Counter::new();
    let mut old = pin!(event.wait());
    assert!(poll(old.as_mut(), &waker).is_pending());
    event.set();
    event.clear();
    let mut new = pin!(event.wait());
    assert!(poll(new.as_mut(), &waker).is_pending());
    assert_eq!(wakes.wakes(), 1);
    assert!(poll(old.as_mut(), &waker).is_ready());
    assert!(poll(new.as_mut(), &waker).is_pending());
    event.set();
    assert!(poll(new.as_mut(), &waker).is_ready());
}

#[test]
fn dropped_waiters_leave_the_others_alone() {
    let event = Event::new();
    let mut a: Pin<Box<_>> = Box::pin(event.wait());
    let mut b = pin!(event.wait());
    assert!(poll_noop(a.as_mut()).is_pending());
    assert!(poll_noop(b.as_mut()).is_pending());
    drop(a);
    assert_eq!(event.waiters(), 1);
    event.set();
    assert!(poll_noop(b.as_mut()).is_ready());
    // Dropping a woken waiter that never ran is fine too.
    event.clear();
    let mut c: Pin<Box<_>> = Box::pin(event.wait());
    assert!(poll_noop(c.as_mut()).is_pending());
    event.set();
    drop(c);
    assert_eq!(event.waiters(), 0);
}

/// Many tasks wait; one `set` releases them all, on any executor.
async fn set_releases_every_task(ex: Exec) {
    let event = Arc::new(Event::new());
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let event = event.clone();
            ex.spawn(async move { event.wait().await })
        })
        .collect();
    until(|| event.waiters() == 50).await;
    event.set();
    event.clear(); // must not strand anyone already woken
    for task in tasks {
        task.await;
    }
}

on_every_executor!(set_releases_every_task, waits_with_deadlines);

#[test]
fn blocking_waiters_are_woken_by_set_like_async_ones() {
    let event = Arc::new(Event::new());
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let event = event.clone();
            std::thread::spawn(move || event.wait_blocking())
        })
        .collect();
    let mut task = pin!(event.wait());
    assert!(poll_noop(task.as_mut()).is_pending());
    while event.waiters() < 4 {
        std::thread::yield_now();
    }
    event.set();
    event.clear();
    for t in threads {
        t.join().unwrap();
    }
    assert!(poll_noop(task.as_mut()).is_ready());
}

/// Waits under a deadline on any executor: those that time out leave the queue, the others are
/// all released by one `set`.
async fn waits_with_deadlines(ex: Exec) {
    let event = Arc::new(Event::new());
    let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (event, started) = (event.clone(), started.clone());
            ex.spawn(async move {
                let deadline = std::time::Duration::from_millis(if i % 2 == 0 { 1 } else { 5_000 });
                started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                common::timeout(deadline, event.wait()).await.is_some()
            })
        })
        .collect();
    // Every task has started and the four short deadlines have passed.
    until(|| started.load(std::sync::atomic::Ordering::SeqCst) == 8 && event.waiters() == 4).await;
    event.set();
    let mut woken = 0;
    for task in tasks {
        woken += usize::from(task.await);
    }
    assert!(
        woken >= 4,
        "every waiter with a long deadline is woken by set"
    );
    assert_eq!(event.waiters(), 0);
}

/// `Event::new` is `const`: a `static` event, set by one thread and waited for by others.
#[test]
#[cfg(not(loom))] // `new` is not `const` under loom
fn a_static_event_is_shared_by_threads() {
    static EVENT: Event = Event::new();
    let waiters: Vec<_> = (0..3)
        .map(|_| std::thread::spawn(|| EVENT.wait_blocking()))
        .collect();
    while EVENT.waiters() < 3 {
        std::thread::yield_now();
    }
    std::thread::spawn(|| EVENT.set()).join().unwrap();
    for w in waiters {
        w.join().unwrap();
    }
    assert!(EVENT.is_set());
    assert_eq!(EVENT.waiters(), 0);
}

/// A blocking wait that times out just leaves the queue: a later `set` still wakes the waiter
/// behind it, and one that comes in time is seen.
#[test]
fn a_timed_out_blocking_wait_leaves_the_queue_and_a_set_in_time_is_seen() {
    let event = Arc::new(Event::new());
    let e = event.clone();
    let timed = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        let set = e.wait_blocking_timeout(std::time::Duration::from_millis(50));
        (set, start.elapsed())
    });
    while event.waiters() < 1 {
        std::thread::yield_now();
    }
    let (counter, waker) = Counter::new();
    let mut next = pin!(event.wait());
    assert!(poll(next.as_mut(), &waker).is_pending());
    let (set, waited) = timed.join().unwrap();
    assert!(!set);
    assert!(
        waited >= std::time::Duration::from_millis(50),
        "gave up early: {waited:?}"
    );
    assert_eq!(event.waiters(), 1);
    let e = event.clone();
    let patient =
        std::thread::spawn(move || e.wait_blocking_timeout(std::time::Duration::from_secs(60)));
    while event.waiters() < 2 {
        std::thread::yield_now();
    }
    event.set();
    assert!(patient.join().unwrap(), "set long before the timeout");
    assert_eq!(counter.wakes(), 1);
    assert!(poll(next.as_mut(), &waker).is_ready());
    assert!(
        event.wait_blocking_timeout(std::time::Duration::ZERO),
        "already set"
    );
    assert_eq!(event.waiters(), 0);
}

/// tokio's `notify_waiters_handles_panicking_waker`, ported: `set` wakes every waiter although
/// one waker panics, and the panic can be caught around an `Arc<Event>` (it is unwind-safe).
#[test]
fn set_handles_a_panicking_waker() {
    let event = Arc::new(Event::new());
    let mut waits: Vec<_> = (0..32).map(|_| Box::pin(event.wait())).collect();
    for wait in &mut waits {
        assert!(poll_noop(wait.as_mut()).is_pending());
    }
    let mut bad = pin!(event.wait());
    let (_, panicking) = common::Bomb::new(common::Call::Wake, 1);
    assert!(poll(bad.as_mut(), &panicking).is_pending());

    let result = std::panic::catch_unwind(|| event.set());
    assert!(result.is_err());
    for wait in &mut waits {
        assert!(poll_noop(wait.as_mut()).is_ready());
    }
}
