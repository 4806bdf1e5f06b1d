//! Lock: asyncio's Lock semantics (asyncio-semantics.md §1) with direct FIFO hand-off.

mod common;

use std::cell::RefCell;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use aiosync::{Lock, LockGuard, MappedLockGuard, OwnedLockGuard, OwnedMappedLockGuard};
use common::fifo::{self, sleep0};
use common::{Counter, Exec, poll, poll_noop, scaled, until};
use futures_core::FusedFuture;

#[test]
fn try_acquire_and_locked() {
    let lock = Lock::new(5);
    assert!(!lock.locked());
    let mut guard = lock.try_acquire().unwrap();
    *guard += 1;
    assert!(lock.locked());
    assert!(lock.try_acquire().is_none());
    drop(guard);
    assert!(!lock.locked());
    assert_eq!(*lock.try_acquire().unwrap(), 6);
}

#[test]
fn uncontended_acquire_completes_on_first_poll() {
    let lock = Lock::new(());
    let mut acquire = pin!(lock.acquire());
    assert!(!acquire.is_terminated());
    let guard = match poll_noop(acquire.as_mut()) {
        Poll::Ready(guard) => guard,
        Poll::Pending => panic!("uncontended acquire waited"),
    };
    assert!(acquire.is_terminated());
    drop(guard);
}

#[test]
fn waiters_are_granted_in_fifo_order() {
    let lock = Lock::new(Vec::new());
    let first = lock.try_acquire().unwrap();
    let (wakes, waker) = Counter::new();
    let mut a = pin!(lock.acquire());
    let mut b = pin!(lock.acquire());
    let mut c = pin!(lock.acquire());
    // Queue in the order a, c, b.
    assert!(poll(a.as_mut(), &waker).is_pending());
    assert!(poll(c.as_mut(), &waker).is_pending());
    assert!(poll(b.as_mut(), &waker).is_pending());
    assert_eq!(lock.waiters(), 3);

    drop(first);
    assert_eq!(wakes.wakes(), 1);
    // Only the oldest was granted, whatever order they are polled in.
    assert!(poll(c.as_mut(), &waker).is_pending());
    assert!(poll(b.as_mut(), &waker).is_pending());
    let Poll::Ready(mut g) = poll(a.as_mut(), &waker) else {
        panic!("a not granted")
    };
    g.push('a');
    drop(g);
    assert!(poll(b.as_mut(), &waker).is_pending());
    let Poll::Ready(mut g) = poll(c.as_mut(), &waker) else {
        panic!("c not granted")
    };
    g.push('c');
    drop(g);
    let Poll::Ready(mut g) = poll(b.as_mut(), &waker) else {
        panic!("b not granted")
    };
    g.push('b');
    drop(g);
    assert_eq!(*lock.try_acquire().unwrap(), vec!['a', 'c', 'b']);
}

#[test]
fn newcomers_never_barge_past_a_woken_waiter() {
    let lock = Lock::new(());
    let held = lock.try_acquire().unwrap();
    let mut waiter = pin!(lock.acquire());
    assert!(poll_noop(waiter.as_mut()).is_pending());
    drop(held);
    // The lock now belongs to the waiter, although it has not run yet.
    assert!(lock.locked());
    assert!(lock.try_acquire().is_none());
    let mut newcomer = pin!(lock.acquire());
    assert!(poll_noop(newcomer.as_mut()).is_pending());
    let Poll::Ready(guard) = poll_noop(waiter.as_mut()) else {
        panic!("waiter lost the lock")
    };
    assert!(poll_noop(newcomer.as_mut()).is_pending());
    drop(guard);
    assert!(poll_noop(newcomer.as_mut()).is_ready());
}

#[test]
fn dropping_a_granted_acquire_hands_the_lock_on() {
    let lock = Lock::new(());
    let held = lock.try_acquire().unwrap();
    let (wakes, waker) = Counter::new();
    let mut a = Box::pin(lock.acquire());
    let mut b = pin!(lock.acquire());
    assert!(poll(a.as_mut(), &waker).is_pending());
    assert!(poll(b.as_mut(), &waker).is_pending());
    drop(held); // a is granted the lock...
    assert_eq!(wakes.wakes(), 1);
    drop(a); // ...and cancelled before it runs: b must get it.
    assert_eq!(wakes.wakes(), 2);
    assert!(poll(b.as_mut(), &waker).is_ready());
}

#[test]
fn dropping_the_last_granted_acquire_unlocks() {
    let lock = Lock::new(());
    let held = lock.try_acquire().unwrap();
    let mut a = Box::pin(lock.acquire());
    assert!(poll_noop(a.as_mut()).is_pending());
    drop(held);
    assert!(lock.locked());
    drop(a);
    assert!(!lock.locked());
    assert!(lock.try_acquire().is_some());
}

#[test]
fn dropping_a_queued_acquire_just_leaves_the_queue() {
    let lock = Lock::new(());
    let held = lock.try_acquire().unwrap();
    let mut a = Box::pin(lock.acquire());
    let mut b = pin!(lock.acquire());
    assert!(poll_noop(a.as_mut()).is_pending());
    assert!(poll_noop(b.as_mut()).is_pending());
    drop(a);
    assert_eq!(lock.waiters(), 1);
    drop(held);
    assert!(poll_noop(b.as_mut()).is_ready());
}

#[test]
fn a_repoll_with_a_new_waker_is_the_one_woken() {
    let lock = Lock::new(());
    let held = lock.try_acquire().unwrap();
    let (old, old_waker) = Counter::new();
    let (new, new_waker) = Counter::new();
    let mut a = pin!(lock.acquire());
    assert!(poll(a.as_mut(), &old_waker).is_pending());
    assert!(poll(a.as_mut(), &new_waker).is_pending());
    drop(held);
    assert_eq!((old.wakes(), new.wakes()), (0, 1));
    assert!(poll(a.as_mut(), &new_waker).is_ready());
}

#[test]
fn get_mut_into_inner_default_from_and_debug() {
    let mut lock: Lock<Vec<u8>> = Lock::default();
    lock.get_mut().push(1);
    assert_eq!(format!("{lock:?}"), "Lock { value: [1], waiters: 0 }");
    let guard = lock.try_acquire().unwrap();
    assert_eq!(format!("{lock:?}"), "Lock { value: <locked>, waiters: 0 }");
    assert_eq!(format!("{guard:?}"), "[1]");
    drop(guard);
    assert_eq!(Lock::from(3).into_inner(), 3);
    assert_eq!(lock.into_inner(), vec![1]);
}

#[test]
fn unsized_values() {
    let lock: Box<Lock<[u8]>> = Box::new(Lock::new([1, 2, 3]));
    let mut guard = lock.try_acquire().unwrap();
    guard[0] = 9;
    assert_eq!(&*guard, &[9, 2, 3]);
}

/// Many tasks increment a non-atomic counter under the lock: no update may be lost.
async fn mutual_exclusion(ex: Exec) {
    let lock = Arc::new(Lock::new((0_usize, false)));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let lock = lock.clone();
            ex.spawn(async move {
                for _ in 0..scaled(500) {
                    let mut guard = lock.acquire().await;
                    assert!(!guard.1, "two holders at once");
                    guard.1 = true;
                    common::yield_now().await;
                    guard.0 += 1;
                    guard.1 = false;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await;
    }
    assert_eq!(lock.acquire().await.0, 8 * scaled(500));
}

/// Tasks that queued one after the other get the lock in that order, on any executor.
async fn fifo_across_tasks(ex: Exec) {
    let lock = Arc::new(Lock::new(Vec::new()));
    let held = lock.acquire().await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let lock2 = lock.clone();
        tasks.push(ex.spawn(async move { lock2.acquire().await.push(i) }));
        until(|| lock.waiters() == i + 1).await;
    }
    drop(held);
    for task in tasks {
        task.await;
    }
    assert_eq!(*lock.acquire().await, (0..10).collect::<Vec<_>>());
}

/// A task cancelled while waiting (its future dropped by a timeout) never strands the lock.
async fn cancelled_waiters_lose_nothing(ex: Exec) {
    let lock = Arc::new(Lock::new(0));
    let held = lock.acquire().await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let lock2 = lock.clone();
        tasks.push(ex.spawn(async move { *lock2.acquire().await += 1 }));
        until(|| lock.waiters() == i + 1).await;
    }
    // Cancel every other waiter; dropping a remote handle drops the task's future.
    let survivors: Vec<_> = tasks
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, t)| t)
        .collect();
    until(|| lock.waiters() == 3).await;
    drop(held);
    for task in survivors {
        task.await;
    }
    assert_eq!(*lock.acquire().await, 3);
    assert!(!lock.locked());
}

on_every_executor!(
    mutual_exclusion,
    fifo_across_tasks,
    cancelled_waiters_lose_nothing,
    owned_guards_and_deadlines,
);

#[test]
fn map_and_try_map_narrow_the_guard_and_keep_the_lock() {
    let lock = Lock::new((1, vec![2, 3]));
    let mut second = LockGuard::map(lock.try_acquire().unwrap(), |v| &mut v.1);
    second.push(4);
    assert!(lock.locked() && lock.try_acquire().is_none());
    drop(second);
    let first = LockGuard::try_map(lock.try_acquire().unwrap(), |v| v.1.first_mut()).unwrap();
    assert_eq!(*first, 2);
    drop(first);
    let missing = LockGuard::try_map(lock.try_acquire().unwrap(), |v| v.1.get_mut(9));
    let guard = missing.unwrap_err();
    assert_eq!(guard.1, [2, 3, 4]);
    drop(guard);
    assert!(!lock.locked());
}

#[test]
fn a_mapped_guard_hands_the_lock_to_the_next_waiter() {
    let lock = Lock::new((0, 0));
    let mapped = LockGuard::map(lock.try_acquire().unwrap(), |v| &mut v.0);
    let mut waiter = pin!(lock.acquire());
    assert!(poll_noop(waiter.as_mut()).is_pending());
    drop(mapped);
    assert!(poll_noop(waiter.as_mut()).is_ready());
}

#[test]
fn a_panicking_map_closure_releases_the_lock() {
    let lock = Lock::new(0);
    let guard = lock.try_acquire().unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        LockGuard::map(guard, |_| -> &mut i32 { panic!("map") })
    }));
    assert!(result.is_err());
    assert!(!lock.locked());
}

#[test]
fn owned_guards_and_their_futures() {
    let lock = Arc::new(Lock::new(0));
    let mut held = lock.try_acquire_owned().unwrap();
    *held += 1;
    assert!(lock.try_acquire_owned().is_none());
    let mut owned = pin!(lock.acquire_owned());
    let mut borrowed = pin!(lock.acquire());
    assert!(poll_noop(owned.as_mut()).is_pending());
    assert!(poll_noop(borrowed.as_mut()).is_pending());
    // The owned guard outlives any borrow: it moves to another thread and is dropped there.
    std::thread::spawn(move || drop(held)).join().unwrap();
    let Poll::Ready(mut guard) = poll_noop(owned.as_mut()) else {
        panic!("FIFO: the owned acquire queued first")
    };
    assert!(owned.is_terminated());
    *guard += 1;
    assert!(Arc::ptr_eq(OwnedLockGuard::lock(&guard), &lock));
    drop(guard);
    let Poll::Ready(guard) = poll_noop(borrowed.as_mut()) else {
        panic!("not handed on")
    };
    assert_eq!(*guard, 2);
}

#[test]
fn a_granted_then_dropped_owned_acquire_hands_the_lock_on() {
    let lock = Arc::new(Lock::new(()));
    let held = lock.try_acquire_owned().unwrap();
    let mut first = Box::pin(lock.acquire_owned());
    let mut second = pin!(lock.acquire_owned());
    assert!(poll_noop(first.as_mut()).is_pending());
    assert!(poll_noop(second.as_mut()).is_pending());
    drop(held);
    drop(first);
    assert!(poll_noop(second.as_mut()).is_ready());
}

#[test]
fn blocking_acquires_wait_in_the_same_fifo_queue_as_async_ones() {
    let lock = Arc::new(Lock::new(Vec::new()));
    let held = lock.try_acquire().unwrap();
    let mut early = pin!(lock.acquire());
    assert!(poll_noop(early.as_mut()).is_pending());
    let l = lock.clone();
    let blocking = std::thread::spawn(move || l.acquire_blocking().push("blocking"));
    while lock.waiters() < 2 {
        std::thread::yield_now();
    }
    drop(held);
    // The async waiter queued first, so it is served first even though the thread is parked.
    let Poll::Ready(mut guard) = poll_noop(early.as_mut()) else {
        panic!("the blocking waiter barged")
    };
    guard.push("async");
    drop(guard);
    blocking.join().unwrap();
    assert_eq!(*lock.try_acquire().unwrap(), ["async", "blocking"]);
}

/// Owned guards move into spawned tasks; waits under a deadline (a `select!` with a timer) are
/// abandoned at random and nothing is lost.
async fn owned_guards_and_deadlines(ex: Exec) {
    let lock = Arc::new(Lock::new(0_usize));
    let mut guard = lock.acquire_owned().await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let lock = lock.clone();
            ex.spawn(async move {
                let deadline = Duration::from_millis(if i % 2 == 0 { 1 } else { 5_000 });
                match common::timeout(deadline, lock.acquire_owned()).await {
                    Some(mut guard) => {
                        *guard += 1;
                        true
                    }
                    None => false,
                }
            })
        })
        .collect();
    until(|| lock.waiters() > 0).await;
    // The holder's guard moves into a task of its own, which releases it after a while.
    let holder = ex.spawn(async move {
        common::sleep(Duration::from_millis(20)).await;
        *guard += 100;
    });
    holder.await;
    let mut acquired = 0;
    for task in tasks {
        acquired += usize::from(task.await);
    }
    assert!(
        acquired >= 4,
        "waiters with a long deadline must all get the lock"
    );
    assert_eq!(*lock.acquire().await, 100 + acquired);
    assert!(!lock.locked() && lock.waiters() == 0);
}

/// Issue: `MappedLockGuard` held a `&mut U`, which rustc asserts valid and unaliased for the
/// whole call a guard is passed into by value, even after the guard released the lock inside
/// it (rust-lang/rust#63787). Miri flags the old layout; it must run this clean.
#[test]
fn a_mapped_guard_dropped_inside_the_function_it_was_passed_to() {
    fn release_then_relock(lock: &Lock<(u32, u32)>, mapped: aiosync::MappedLockGuard<'_, u32>) {
        drop(mapped);
        lock.try_acquire().unwrap().0 = 2;
    }
    let lock = Lock::new((0, 0));
    let mapped = LockGuard::map(lock.try_acquire().unwrap(), |v| &mut v.0);
    release_then_relock(&lock, mapped);
    assert_eq!(lock.into_inner(), (2, 0));
}

/// The same for the owned guard's `Deref`, which must not outlive the permit either.
#[test]
fn an_owned_guard_dropped_inside_the_function_it_was_passed_to() {
    fn release_then_relock(lock: &Arc<Lock<u32>>, guard: OwnedLockGuard<u32>) {
        drop(guard);
        *lock.try_acquire().unwrap() = 2;
    }
    let lock = Arc::new(Lock::new(0));
    release_then_relock(&lock, lock.try_acquire_owned().unwrap());
    assert_eq!(*lock.try_acquire().unwrap(), 2);
}

/// Issue: a blocking acquire from a thread-local destructor reached the blocking waker's own
/// thread-local after it was destroyed, and aborted the process. std's and parking_lot's
/// mutexes work there.
#[test]
fn blocking_acquire_works_in_a_thread_local_destructor() {
    struct OnExit(Arc<Lock<Vec<&'static str>>>);
    impl Drop for OnExit {
        fn drop(&mut self) {
            self.0.acquire_blocking().push("destructor");
        }
    }
    thread_local! {
        static ON_EXIT: std::cell::RefCell<Option<OnExit>> = const { std::cell::RefCell::new(None) };
    }
    let lock = Arc::new(Lock::new(Vec::new()));
    let l2 = lock.clone();
    std::thread::spawn(move || {
        ON_EXIT.with(|slot| *slot.borrow_mut() = Some(OnExit(l2.clone())));
        // The blocking path's thread-local comes second, so it is destroyed first.
        l2.acquire_blocking().push("body");
    })
    .join()
    .unwrap();
    assert_eq!(*lock.try_acquire().unwrap(), ["body", "destructor"]);
}

/// `Lock::new` is `const`: a `static` lock, shared by threads without an `Arc`.
#[test]
#[cfg(not(loom))] // `new` is not `const` under loom
fn a_static_lock_is_shared_by_threads() {
    static LOCK: Lock<u32> = Lock::new(0);
    let n = scaled(1_000);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..n {
                    *LOCK.acquire_blocking() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*LOCK.try_acquire().unwrap(), 4 * n as u32);
    assert_eq!(LOCK.waiters(), 0);
}

/// A blocking acquire that times out leaves the queue as a dropped `Acquire` does: the waiter
/// queued behind it is served next, and the lock is never left held by no one.
#[test]
fn a_timed_out_blocking_acquire_leaves_the_queue_and_loses_nothing() {
    let lock = Arc::new(Lock::new(0));
    let holder = lock.try_acquire().unwrap();
    let l = lock.clone();
    let timed = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        let got = l
            .acquire_blocking_timeout(Duration::from_millis(50))
            .is_some();
        (got, start.elapsed())
    });
    while lock.waiters() < 1 {
        std::thread::yield_now();
    }
    let (counter, waker) = Counter::new();
    let mut next = pin!(lock.acquire());
    assert!(poll(next.as_mut(), &waker).is_pending());
    let (got, waited) = timed.join().unwrap();
    assert!(!got, "the holder never released");
    assert!(
        waited >= Duration::from_millis(50),
        "gave up early: {waited:?}"
    );
    assert_eq!(lock.waiters(), 1, "the timed-out waiter left the queue");
    assert!(lock.locked());
    drop(holder);
    assert_eq!(counter.wakes(), 1, "the next waiter moved up");
    let Poll::Ready(mut guard) = poll(next.as_mut(), &waker) else {
        panic!("the lock was not handed to the next waiter")
    };
    *guard += 1;
    drop(guard);
    assert!(!lock.locked());
    // A zero timeout is a try: it succeeds on a free lock, and fails at once on a held one.
    let guard = lock.acquire_blocking_timeout(Duration::ZERO).unwrap();
    assert!(lock.acquire_blocking_timeout(Duration::ZERO).is_none());
    drop(guard);
    assert_eq!(lock.waiters(), 0);
}

#[test]
fn a_blocking_acquire_with_a_timeout_gets_a_lock_released_in_time() {
    let lock = Arc::new(Lock::new(0));
    let mut holder = lock.try_acquire_owned().unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        *holder = 1;
    });
    let guard = lock.acquire_blocking_timeout(Duration::from_secs(60));
    assert_eq!(*guard.expect("released long before the timeout"), 1);
    release.join().unwrap();
    // A timeout too large to represent as a deadline waits without one.
    assert!(lock.acquire_blocking_timeout(Duration::MAX).is_some());
}

#[test]
fn mapped_guards_map_again_and_keep_the_lock() {
    let lock = Lock::new((0, vec![1, 2]));
    let list = LockGuard::map(lock.try_acquire().unwrap(), |v| &mut v.1);
    let list = MappedLockGuard::try_map(list, |l| l.get_mut(9)).unwrap_err();
    let mut last = MappedLockGuard::map(list, |l| l.last_mut().unwrap());
    *last = 3;
    assert!(lock.locked());
    let mut waiter = pin!(lock.acquire());
    assert!(poll_noop(waiter.as_mut()).is_pending());
    drop(last);
    let Poll::Ready(guard) = poll_noop(waiter.as_mut()) else {
        panic!("the lock was not handed on")
    };
    let first = LockGuard::map(guard, |v| &mut v.1);
    assert_eq!(
        *MappedLockGuard::try_map(first, |l| l.first_mut()).unwrap(),
        1
    );
    assert!(!lock.locked());
    assert_eq!(lock.try_acquire().unwrap().1, [1, 3]);
}

/// The owned mapped guard keeps the `Arc` and borrows nothing: it moves into a thread, maps
/// again there, and releases the lock to the next waiter when dropped.
#[test]
fn owned_guards_map_into_static_guards_that_move_and_hand_the_lock_on() {
    let lock = Arc::new(Lock::new((1, String::from("a"))));
    let name = OwnedLockGuard::map(lock.try_acquire_owned().unwrap(), |v| &mut v.1);
    assert!(Arc::ptr_eq(OwnedMappedLockGuard::lock(&name), &lock));
    let mut waiter = pin!(lock.acquire());
    assert!(poll_noop(waiter.as_mut()).is_pending());
    std::thread::spawn(move || {
        let name = OwnedMappedLockGuard::try_map(name, |s| s.get_mut(5..)).unwrap_err();
        let mut name = OwnedMappedLockGuard::map(name, |s| s);
        name.push('b');
        assert_eq!(format!("{name} {name:?}"), "ab \"ab\"");
    })
    .join()
    .unwrap();
    let Poll::Ready(guard) = poll_noop(waiter.as_mut()) else {
        panic!("the lock was not handed on")
    };
    assert_eq!(guard.1, "ab");
    drop(guard);
    let guard = OwnedLockGuard::try_map(lock.try_acquire_owned().unwrap(), |v| v.1.get_mut(9..));
    let guard = guard.unwrap_err();
    let first = OwnedLockGuard::try_map(guard, |v| v.1.get_mut(..1)).unwrap();
    assert_eq!(&*first, "a");
    drop(first);
    assert!(!lock.locked());
    assert_eq!(Arc::strong_count(&lock), 1, "no guard kept a clone");
}

/// A panic in the closure of any `map` or `try_map` releases the lock: the guard it consumed is
/// dropped during unwinding.
#[test]
fn a_panicking_closure_in_any_map_releases_the_lock() {
    fn panics<R>(map: impl FnOnce() -> R) {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(map));
        assert!(result.is_err());
    }
    let lock = Arc::new(Lock::new((0, 0)));
    let mapped = || LockGuard::map(lock.try_acquire().unwrap(), |v| &mut v.0);
    panics(|| MappedLockGuard::map(mapped(), |_| -> &mut i32 { panic!("map") }));
    assert!(!lock.locked());
    panics(|| MappedLockGuard::try_map(mapped(), |_| -> Option<&mut i32> { panic!("map") }));
    assert!(!lock.locked());
    panics(|| {
        OwnedLockGuard::map(lock.try_acquire_owned().unwrap(), |_| -> &mut i32 {
            panic!()
        })
    });
    assert!(!lock.locked());
    panics(|| {
        OwnedLockGuard::try_map(lock.try_acquire_owned().unwrap(), |_| -> Option<&mut i32> {
            panic!()
        })
    });
    assert!(!lock.locked());
    let owned_mapped = || OwnedLockGuard::map(lock.try_acquire_owned().unwrap(), |v| &mut v.0);
    panics(|| OwnedMappedLockGuard::map(owned_mapped(), |_| -> &mut i32 { panic!() }));
    assert!(!lock.locked());
    panics(|| OwnedMappedLockGuard::try_map(owned_mapped(), |_| -> Option<&mut i32> { panic!() }));
    assert!(!lock.locked());
    panics(|| {
        LockGuard::try_map(lock.try_acquire().unwrap(), |_| -> Option<&mut i32> {
            panic!()
        })
    });
    assert!(!lock.locked());
    assert_eq!(Arc::strong_count(&lock), 1);
}

#[test]
fn owned_blocking_acquires_with_and_without_a_timeout() {
    let lock = Arc::new(Lock::new(0));
    let mut guard = lock.acquire_owned_blocking();
    assert!(
        lock.acquire_owned_blocking_timeout(Duration::from_millis(10))
            .is_none()
    );
    assert_eq!(lock.waiters(), 0);
    std::thread::spawn(move || *guard += 1).join().unwrap();
    let guard = lock.acquire_owned_blocking_timeout(Duration::from_secs(60));
    assert_eq!(*guard.unwrap(), 1);
    assert!(!lock.locked());
}

/// A dropped wait cleans up when its future is dropped, not when its task next runs (README,
/// "Where aiosync differs from asyncio"). t0 holds the lock; t1 and t2 wait; t1's task is
/// cancelled; then t0 releases. CPython 3.13 prints, for the same program:
///
/// ```text
/// main cancelled t1: locked True, waiters 2
/// t0 released: locked False, waiters 2   (the head, t1, is cancelled: nobody is woken)
/// t1 cancelled: locked False, waiters 1  (t1's handler wakes t2)
/// t0 next step: locked False, waiters 1
/// t2 acquired: locked True, waiters 0
/// ```
///
/// Here t1 left the queue when it was dropped, so the release hands the lock to t2 at once, and
/// t2 runs before t0's next step.
#[test]
fn a_cancelled_waiter_leaves_at_once_so_the_release_hands_the_lock_on() {
    fifo::run(|ex| async move {
        let lock = Rc::new(Lock::new(()));
        let trace: Rc<RefCell<Vec<String>>> = Rc::default();
        let state =
            |lock: &Lock<()>| format!("locked {}, waiters {}", lock.locked(), lock.waiters());

        let (l, t) = (lock.clone(), trace.clone());
        let t0 = ex.spawn(async move {
            let guard = l.acquire().await;
            sleep0().await; // t1 and t2 queue; main cancels t1
            drop(guard);
            t.borrow_mut().push(format!("t0 released: {}", state(&l)));
            sleep0().await;
            t.borrow_mut().push(format!("t0 next step: {}", state(&l)));
        });
        let waiter = |name: &'static str| {
            let (l, t) = (lock.clone(), trace.clone());
            ex.spawn(async move {
                let _guard = l.acquire().await;
                t.borrow_mut()
                    .push(format!("{name} acquired: {}", state(&l)));
            })
        };
        let t1 = waiter("t1");
        let t2 = waiter("t2");
        sleep0().await;
        t1.cancel();
        let entry = format!("main cancelled t1: {}", state(&lock));
        trace.borrow_mut().push(entry);

        t0.await;
        t2.await;
        assert_eq!(
            *trace.borrow(),
            [
                "main cancelled t1: locked true, waiters 1",
                "t0 released: locked true, waiters 0",
                "t2 acquired: locked true, waiters 0",
                "t0 next step: locked false, waiters 0",
            ]
        );
    });
}
