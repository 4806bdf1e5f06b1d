//! Waiting allocates nothing: the queue node lives inside the pinned future. A counting global
//! allocator proves it for N contended waits on each primitive.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::pin::Pin;
use std::task::Poll;

use aiosync::{
    Barrier, BoundedSemaphore, Condition, Event, LifoQueue, Lock, PriorityQueue, Queue, Semaphore,
};
use common::poll_noop;

struct CountingAllocator;

thread_local! {
    // Per thread, so that other tests running in parallel do not disturb the count.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

const N: usize = 1000;

/// Boxes `N` futures up front (that allocation is the test's, not the primitive's).
fn boxed<F: std::future::Future>(make: impl FnMut(usize) -> F) -> Vec<Pin<Box<F>>> {
    (0..N).map(make).map(Box::pin).collect()
}

#[test]
fn contended_lock_acquires_allocate_nothing() {
    let lock = Lock::new(0_usize);
    let held = lock.try_acquire().unwrap();
    let mut acquires = boxed(|_| lock.acquire());
    let n = allocations_during(|| {
        for a in &mut acquires {
            assert!(poll_noop(a.as_mut()).is_pending());
        }
        drop(held);
        for a in &mut acquires {
            let Poll::Ready(mut guard) = poll_noop(a.as_mut()) else {
                panic!("not FIFO")
            };
            *guard += 1;
        }
    });
    assert_eq!(n, 0);
    assert_eq!(*lock.try_acquire().unwrap(), N);
}

#[test]
fn contended_semaphore_acquires_allocate_nothing() {
    let sem = Semaphore::new(0);
    let bounded = BoundedSemaphore::new(1);
    let held = bounded.try_acquire().unwrap();
    let mut acquires = boxed(|_| sem.acquire());
    let mut bounded_acquires = boxed(|_| bounded.acquire());
    let n = allocations_during(|| {
        for a in acquires.iter_mut().chain(&mut bounded_acquires) {
            assert!(poll_noop(a.as_mut()).is_pending());
        }
        drop(held);
        for _ in 0..N {
            sem.release();
        }
        for a in acquires.iter_mut().chain(&mut bounded_acquires) {
            assert!(poll_noop(a.as_mut()).is_ready());
        }
    });
    assert_eq!(n, 0);
}

#[test]
fn event_waits_allocate_nothing() {
    let event = Event::new();
    let mut waits = boxed(|_| event.wait());
    let n = allocations_during(|| {
        for w in &mut waits {
            assert!(poll_noop(w.as_mut()).is_pending());
        }
        event.set();
        for w in &mut waits {
            assert!(poll_noop(w.as_mut()).is_ready());
        }
    });
    assert_eq!(n, 0);
}

#[test]
fn barrier_waits_allocate_nothing() {
    let barrier = Barrier::new(N);
    let mut waits = boxed(|_| barrier.wait());
    let n = allocations_during(|| {
        for w in &mut waits[..N - 1] {
            assert!(poll_noop(w.as_mut()).is_pending());
        }
        // The last arrival trips the barrier; the others then complete with their indices.
        for (i, w) in waits.iter_mut().enumerate().rev() {
            let Poll::Ready(Ok(result)) = poll_noop(w.as_mut()) else {
                panic!("not released")
            };
            assert_eq!(result.index(), i);
        }
    });
    assert_eq!(n, 0);
}

#[test]
fn condition_waits_allocate_nothing() {
    let (lock, cond) = (Lock::new(0_usize), Condition::new());
    let mut waits: Vec<_> = (0..N).map(|_| None).collect();
    let n = allocations_during(|| {
        for w in &mut waits {
            let mut wait = Box::pin(cond.wait(lock.try_acquire().unwrap()));
            assert!(poll_noop(wait.as_mut()).is_pending());
            *w = Some(wait);
        }
    });
    // Only the test's boxes were allocated.
    assert_eq!(n, N);
    let n = allocations_during(|| {
        cond.notify_all(&lock.try_acquire().unwrap());
        for w in waits.iter_mut().flatten() {
            let Poll::Ready(mut guard) = poll_noop(w.as_mut()) else {
                panic!("not FIFO")
            };
            *guard += 1;
        }
    });
    assert_eq!(n, 0);
    assert_eq!(*lock.try_acquire().unwrap(), N);
}

/// Waiting gets, puts and joins allocate nothing; the buffer allocates only to grow, so it is
/// grown first (a queue that has held `N` items keeps the room for them).
macro_rules! queue_waits_allocate_nothing {
    ($($name:ident: $ty:ident),*) => {$(
        #[test]
        fn $name() {
            let queue = $ty::new(N);
            for i in 0..N {
                queue.put_nowait(i).unwrap();
            }
            let mut gets = boxed(|_| queue.get());
            let mut tracked = boxed(|_| queue.get_tracked());
            let mut puts = boxed(|i| queue.put(i));
            let mut joins = boxed(|_| queue.join());
            let n = allocations_during(|| {
                // Full: every put waits; one get each lets them in, in order.
                for p in &mut puts {
                    assert!(poll_noop(p.as_mut()).is_pending());
                }
                for p in &mut puts {
                    assert!(queue.get_nowait().is_ok());
                    assert!(poll_noop(p.as_mut()).is_ready());
                }
                while queue.get_nowait().is_ok() {}
                // Empty: every get waits; a put each wakes them in order.
                for g in &mut gets {
                    assert!(poll_noop(g.as_mut()).is_pending());
                }
                for g in &mut gets {
                    queue.put_nowait(0).unwrap();
                    assert!(poll_noop(g.as_mut()).is_ready());
                }
                for t in &mut tracked {
                    assert!(poll_noop(t.as_mut()).is_pending());
                }
                for j in &mut joins {
                    assert!(poll_noop(j.as_mut()).is_pending());
                }
                for t in &mut tracked {
                    queue.put_nowait(0).unwrap();
                    let Poll::Ready(Ok(item)) = poll_noop(t.as_mut()) else {
                        panic!("not served in order")
                    };
                    drop(item);
                }
                while queue.task_done().is_ok() {}
                for j in &mut joins {
                    assert!(poll_noop(j.as_mut()).is_ready());
                }
            });
            assert_eq!(n, 0);
        }
    )*};
}

queue_waits_allocate_nothing!(
    queue_waits_allocate_nothing: Queue,
    lifo_queue_waits_allocate_nothing: LifoQueue,
    priority_queue_waits_allocate_nothing: PriorityQueue
);

#[test]
fn owned_acquires_allocate_nothing() {
    let lock = std::sync::Arc::new(Lock::new(0_usize));
    let held = lock.try_acquire_owned().unwrap();
    let mut acquires = boxed(|_| lock.acquire_owned());
    let allocations = allocations_during(|| {
        for a in &mut acquires {
            assert!(poll_noop(a.as_mut()).is_pending());
        }
        drop(held);
        for a in &mut acquires {
            let Poll::Ready(mut guard) = poll_noop(a.as_mut()) else {
                panic!("not granted in order")
            };
            *guard += 1;
        }
    });
    assert_eq!(allocations, 0);
    assert_eq!(*lock.try_acquire().unwrap(), N);
}

#[test]
fn blocking_waits_allocate_nothing_after_the_first() {
    let lock = std::sync::Arc::new(Lock::new(0_usize));
    drop(lock.acquire_blocking()); // the first blocking wait on a thread makes its waker
    let rounds = common::scaled(200);
    let (go, ready) = std::sync::mpsc::channel::<()>();
    let l = lock.clone();
    // Holds the lock each round until this thread is parked waiting for it.
    let holder = std::thread::spawn(move || {
        for _ in 0..rounds {
            let guard = l.acquire_blocking();
            go.send(()).unwrap();
            while l.waiters() == 0 {
                std::thread::yield_now();
            }
            drop(guard);
        }
    });
    let mut allocations = 0;
    for _ in 0..rounds {
        ready.recv().unwrap();
        allocations += allocations_during(|| *lock.acquire_blocking() += 1);
    }
    holder.join().unwrap();
    assert_eq!(allocations, 0);
    assert_eq!(*lock.try_acquire().unwrap(), rounds);
}
