//! Queue, LifoQueue and PriorityQueue: asyncio's semantics (asyncio-queue.md), the places where
//! aiosync is stricter (a woken getter or putter keeps its place; ties in a PriorityQueue come
//! out in order), and the cancellation matrix: a get, put, get_tracked or join dropped at every
//! point loses no item, duplicates none, and passes its wake-up on.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::time::Duration;

use aiosync::{LifoQueue, PriorityQueue, Queue, QueueShutDown, Tracked, TryGetError, TryPutError};
use common::{Counter, Exec, poll, poll_noop, scaled, until};

/// A hand-polled task: a boxed future and a waker that counts its wakes.
struct Task<'a, T> {
    fut: Option<Pin<Box<dyn Future<Output = T> + 'a>>>,
    wakes: Arc<Counter>,
    waker: Waker,
}

impl<'a, T> Task<'a, T> {
    /// Makes the task and polls it once; `Some` if it completed at once.
    fn start(fut: impl Future<Output = T> + 'a) -> (Self, Option<T>) {
        let (wakes, waker) = Counter::new();
        let mut task = Task {
            fut: Some(Box::pin(fut)),
            wakes,
            waker,
        };
        let out = task.poll();
        (task, out)
    }

    /// Makes the task and polls it once; it must be waiting.
    fn parked(fut: impl Future<Output = T> + 'a) -> Self {
        let (task, out) = Task::start(fut);
        assert!(out.is_none(), "completed without waiting");
        task
    }

    fn poll(&mut self) -> Option<T> {
        let fut = self.fut.as_mut().expect("polled after completion");
        match poll(fut.as_mut(), &self.waker) {
            Poll::Ready(out) => {
                self.fut = None;
                Some(out)
            }
            Poll::Pending => None,
        }
    }

    fn woken(&self) -> bool {
        self.wakes.wakes() > 0
    }

    fn wakes(&self) -> usize {
        self.wakes.wakes()
    }

    /// Drops the future: a cancellation.
    fn cancel(&mut self) {
        self.fut = None;
    }
}

// ---------------------------------------------------------------------------------------------
// Basics

#[test]
fn sizes_and_bounds() {
    let queue = Queue::new(2);
    assert_eq!(queue.maxsize(), 2);
    assert!(queue.empty() && !queue.full());
    queue.put_nowait(1).unwrap();
    queue.put_nowait(2).unwrap();
    assert_eq!(queue.qsize(), 2);
    assert!(queue.full() && !queue.empty());
    assert_eq!(queue.put_nowait(3), Err(TryPutError::Full(3)));

    let unbounded = Queue::default();
    for i in 0..1000 {
        unbounded.put_nowait(i).unwrap();
    }
    assert!(!unbounded.full());
    assert_eq!(unbounded.maxsize(), 0);
    assert_eq!(LifoQueue::<u8>::default().maxsize(), 0);
    assert_eq!(PriorityQueue::<u8>::default().maxsize(), 0);
}

#[test]
fn debug_shows_counts_not_items() {
    let queue = Queue::new(1);
    queue.put_nowait(Cell::new(1)).unwrap();
    assert_eq!(
        format!("{queue:?}"),
        "Queue { maxsize: 1, qsize: 1, getters: 0, putters: 0, unfinished_tasks: 1, is_shutdown: false }"
    );
    let stack = LifoQueue::<u8>::new(0);
    stack.shutdown();
    assert!(format!("{stack:?}").starts_with("LifoQueue { maxsize: 0, "));
    assert!(format!("{stack:?}").ends_with("is_shutdown: true }"));
    assert!(format!("{:?}", PriorityQueue::<u8>::new(0)).starts_with("PriorityQueue {"));
    assert_eq!(format!("{:?}", queue.get()), "Get { state: Idle }");
    assert_eq!(
        format!("{:?}", queue.put(Cell::new(0))),
        "Put { state: Idle, .. }"
    );
    assert_eq!(format!("{:?}", queue.join()), "Join { state: Idle }");
    assert_eq!(
        format!("{:?}", queue.get_tracked()),
        "GetTracked(Get { state: Idle })"
    );
}

#[test]
fn the_three_orders() {
    let fifo = Queue::new(0);
    let lifo = LifoQueue::new(0);
    let prio = PriorityQueue::new(0);
    for i in [1, 3, 2] {
        fifo.put_nowait(i).unwrap();
        lifo.put_nowait(i).unwrap();
        prio.put_nowait(i).unwrap();
    }
    let drain = |get: &dyn Fn() -> Result<i32, TryGetError>| -> Vec<i32> {
        std::iter::from_fn(|| get().ok()).collect()
    };
    assert_eq!(drain(&|| fifo.get_nowait()), [1, 3, 2]);
    assert_eq!(drain(&|| lifo.get_nowait()), [2, 3, 1]);
    assert_eq!(drain(&|| prio.get_nowait()), [1, 2, 3]);
}

/// Jobs compared by priority alone.
#[derive(Debug)]
struct Job(u8, char);

impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Job {}
impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Job {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

#[test]
fn priority_ties_come_out_in_the_order_they_were_put() {
    // asyncio's heapq gives 0b 0f 0d 1c 1g 1e 1a for this (asyncio-queue.md §6).
    let jobs = PriorityQueue::new(0);
    for (p, n) in [
        (1, 'a'),
        (0, 'b'),
        (1, 'c'),
        (0, 'd'),
        (1, 'e'),
        (0, 'f'),
        (1, 'g'),
    ] {
        jobs.put_nowait(Job(p, n)).unwrap();
    }
    let names: String = std::iter::from_fn(|| jobs.get_nowait().ok())
        .map(|j| j.1)
        .collect();
    assert_eq!(names, "bdfaceg");
}

#[test]
fn a_priority_queue_is_a_heap_and_stable_under_any_mix() {
    // A fixed pseudo-random mix of puts and gets against a sorted reference.
    let queue = PriorityQueue::new(0);
    let mut model: Vec<(u8, usize)> = Vec::new();
    let mut seed = 0x2545_f491_u32;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for i in 0..scaled(5000) {
        if next() % 3 != 0 || model.is_empty() {
            let p = (next() % 8) as u8;
            queue.put_nowait((Job(p, ' '), i)).unwrap();
            model.push((p, i));
        } else {
            let (job, seq) = queue.get_nowait().unwrap();
            let at = (0..model.len()).min_by_key(|&k| model[k]).unwrap();
            assert_eq!((job.0, seq), model.remove(at));
        }
    }
    assert_eq!(queue.qsize(), model.len());
}

// ---------------------------------------------------------------------------------------------
// Waiting and waking

#[test]
fn fast_paths_do_not_wait() {
    let queue = Queue::new(1);
    assert!(poll_noop(pin!(queue.put(1))).is_ready());
    assert_eq!(poll_noop(pin!(queue.get())), Poll::Ready(Ok(1)));
    queue.task_done().unwrap();
    queue.put_nowait(2).unwrap();
    let Poll::Ready(Ok(item)) = poll_noop(pin!(queue.get_tracked())) else {
        panic!("get_tracked waited")
    };
    assert_eq!(*item, 2);
    drop(item);
    assert!(poll_noop(pin!(queue.join())).is_ready());
}

#[test]
fn a_put_wakes_the_first_getter_and_the_item_stays_counted_until_it_runs() {
    let queue = Queue::new(0);
    let mut g1 = Task::parked(queue.get());
    let mut g2 = Task::parked(queue.get());
    assert_eq!(queue.getters(), 2);
    queue.put_nowait("a").unwrap();
    assert!(g1.woken() && !g2.woken());
    // Woken: no longer counted as waiting, and the item is still in the queue.
    assert_eq!(queue.getters(), 1);
    assert_eq!(queue.qsize(), 1);
    assert_eq!(g1.poll(), Some(Ok("a")));
    assert_eq!(queue.qsize(), 0);
    assert_eq!(g2.poll(), None);
}

#[test]
fn a_get_wakes_the_first_putter() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let mut p1 = Task::parked(queue.put(1));
    let mut p2 = Task::parked(queue.put(2));
    assert_eq!(queue.putters(), 2);
    assert_eq!(queue.get_nowait(), Ok(0));
    assert!(p1.woken() && !p2.woken());
    assert_eq!(queue.putters(), 1);
    assert!(!queue.full()); // the slot waits for p1
    assert_eq!(p1.poll(), Some(Ok(())));
    assert_eq!(p2.poll(), None);
    assert_eq!(queue.get_nowait(), Ok(1));
    assert!(p2.woken());
    assert_eq!(p2.poll(), Some(Ok(())));
    assert_eq!(queue.get_nowait(), Ok(2));
}

#[test]
fn each_put_wakes_a_different_getter() {
    let queue = Queue::new(0);
    let mut getters: Vec<_> = (0..3).map(|_| Task::parked(queue.get())).collect();
    queue.put_nowait(1).unwrap();
    queue.put_nowait(2).unwrap();
    let woken: Vec<_> = getters.iter().map(Task::wakes).collect();
    assert_eq!(woken, [1, 1, 0]);
    assert_eq!(getters[1].poll(), Some(Ok(1))); // whoever runs first takes the first
    assert_eq!(getters[0].poll(), Some(Ok(2)));
    assert_eq!(getters[2].poll(), None);
}

/// asyncio-queue.md §9.5: G1 and G2 wait, `put_nowait(a)` wakes G1, `get_nowait` takes `a`, G1
/// runs and waits again, `put_nowait(b)`. asyncio sends G1 to the back and G2 gets `b`; here G1
/// kept its place and gets it.
#[test]
fn a_woken_getter_beaten_to_its_item_keeps_its_place() {
    let queue = Queue::new(0);
    let mut g1 = Task::parked(queue.get());
    let mut g2 = Task::parked(queue.get());
    queue.put_nowait("a").unwrap();
    assert_eq!(queue.get_nowait(), Ok("a")); // barges, as asyncio allows
    assert_eq!(g1.poll(), None);
    assert_eq!(queue.getters(), 2);
    queue.put_nowait("b").unwrap();
    assert_eq!(g1.wakes(), 2);
    assert_eq!(g2.wakes(), 0);
    assert_eq!(g1.poll(), Some(Ok("b")));
    // A `get` that finds an item barges too.
    queue.put_nowait("c").unwrap();
    assert!(g2.woken());
    assert_eq!(poll_noop(pin!(queue.get())), Poll::Ready(Ok("c")));
    assert_eq!(g2.poll(), None);
    assert_eq!(queue.getters(), 1);
}

/// gh-83055: P1 and P2 wait to put into a full queue; a get frees a slot for P1, and a
/// newcomer's `put_nowait` fills it first. asyncio sends P1 to the back, so P2's item goes in
/// before P1's. Here P1 keeps its place: the waiting puts land in order.
#[test]
fn a_woken_putter_beaten_to_its_slot_keeps_its_place() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let mut p1 = Task::parked(queue.put(1));
    let mut p2 = Task::parked(queue.put(2));
    assert_eq!(queue.get_nowait(), Ok(0));
    assert!(p1.woken());
    queue.put_nowait(9).unwrap(); // the newcomer
    assert_eq!(p1.poll(), None);
    assert_eq!(queue.putters(), 2);
    assert_eq!(queue.get_nowait(), Ok(9));
    assert_eq!((p1.wakes(), p2.wakes()), (2, 0));
    assert_eq!(p2.poll(), None);
    assert_eq!(p1.poll(), Some(Ok(())));
    assert_eq!(queue.get_nowait(), Ok(1));
    assert_eq!(p2.poll(), Some(Ok(())));
    assert_eq!(queue.get_nowait(), Ok(2));
}

/// Several woken getters all beaten to their items go back in the order they first came,
/// whichever order they run in, ahead of everyone who came after them.
#[test]
fn woken_getters_beaten_together_keep_their_order() {
    for reversed in [false, true] {
        let queue = Queue::new(0);
        let mut g: Vec<_> = (0..5).map(|_| Task::parked(queue.get())).collect();
        for i in 0..3 {
            queue.put_nowait(i).unwrap();
        }
        for _ in 0..3 {
            queue.get_nowait().unwrap();
        }
        let order: Vec<usize> = if reversed {
            vec![2, 0, 1]
        } else {
            vec![0, 1, 2]
        };
        for &i in &order {
            assert_eq!(g[i].poll(), None);
        }
        assert_eq!(queue.getters(), 5);
        for (i, g) in g.iter_mut().enumerate() {
            queue.put_nowait(i).unwrap();
            assert_eq!(g.poll(), Some(Ok(i)), "getter {i} out of turn");
        }
    }
}

#[test]
fn a_getter_waiting_for_a_new_waker_is_woken_through_it() {
    let queue = Queue::new(0);
    let mut get = pin!(queue.get());
    let (old, old_waker) = Counter::new();
    let (new, new_waker) = Counter::new();
    assert!(poll(get.as_mut(), &old_waker).is_pending());
    assert!(poll(get.as_mut(), &new_waker).is_pending());
    queue.put_nowait(1).unwrap();
    assert_eq!((old.wakes(), new.wakes()), (0, 1));
    assert_eq!(poll(get.as_mut(), &new_waker), Poll::Ready(Ok(1)));
}

#[test]
#[should_panic(expected = "`Get` polled after completion")]
fn a_get_polled_after_completion_panics() {
    let queue = Queue::new(0);
    queue.put_nowait(1).unwrap();
    let mut get = pin!(queue.get());
    let _ = poll_noop(get.as_mut());
    let _ = poll_noop(get.as_mut());
}

// ---------------------------------------------------------------------------------------------
// The cancellation matrix: each future dropped before it queues, while queued, woken with its
// item or slot there, woken after a newcomer took it, and during shutdown.

#[test]
fn a_get_dropped_before_it_waits_changes_nothing() {
    let queue = Queue::new(0);
    queue.put_nowait(1).unwrap();
    drop(queue.get()); // never polled
    drop(queue.get_tracked());
    assert_eq!(queue.qsize(), 1);
    assert_eq!(queue.unfinished_tasks(), 1);
}

#[test]
fn a_get_dropped_while_waiting_leaves_the_line_at_once() {
    let queue = Queue::new(0);
    let mut g1 = Task::parked(queue.get());
    let mut g2 = Task::parked(queue.get_tracked());
    let mut g3 = Task::parked(queue.get());
    assert_eq!(queue.getters(), 3);
    g1.cancel();
    g2.cancel();
    assert_eq!(queue.getters(), 1);
    queue.put_nowait(1).unwrap();
    assert!(!g1.woken() && !g2.woken() && g3.woken());
    assert_eq!(g3.poll(), Some(Ok(1)));
}

#[test]
fn a_woken_get_dropped_passes_its_wake_up_on_and_the_item_stays() {
    for tracked in [false, true] {
        let queue = Queue::new(0);
        let mut g1: Task<'_, Option<i32>> = if tracked {
            Task::parked(async { queue.get_tracked().await.ok().map(Tracked::into_inner) })
        } else {
            Task::parked(async { queue.get().await.ok() })
        };
        let mut g2 = Task::parked(queue.get());
        queue.put_nowait(1).unwrap();
        assert!(g1.woken());
        g1.cancel();
        assert!(g2.woken(), "the wake-up was not passed on");
        assert_eq!(queue.qsize(), 1, "the dropped get took the item");
        assert_eq!(g2.poll(), Some(Ok(1)));
        assert_eq!(queue.unfinished_tasks(), 1);
    }
}

#[test]
fn a_woken_get_beaten_to_its_item_and_dropped_passes_nothing_on() {
    let queue = Queue::new(0);
    let mut g1 = Task::parked(queue.get());
    let mut g2 = Task::parked(queue.get());
    queue.put_nowait(1).unwrap();
    assert_eq!(queue.get_nowait(), Ok(1));
    g1.cancel();
    assert!(!g2.woken(), "woke a getter for an empty queue");
    assert_eq!(queue.getters(), 1);
    queue.put_nowait(2).unwrap();
    assert_eq!(g2.poll(), Some(Ok(2)));
}

#[test]
fn a_get_dropped_after_waiting_again_leaves_its_place() {
    let queue = Queue::new(0);
    let mut g1 = Task::parked(queue.get());
    let mut g2 = Task::parked(queue.get());
    queue.put_nowait(1).unwrap();
    queue.get_nowait().unwrap();
    assert_eq!(g1.poll(), None); // back at the front
    g1.cancel();
    assert_eq!(queue.getters(), 1);
    queue.put_nowait(2).unwrap();
    assert_eq!(g2.poll(), Some(Ok(2)));
}

#[test]
fn a_get_woken_by_shutdown_and_dropped_loses_nothing() {
    let queue = Queue::new(0);
    let mut g1 = Task::parked(queue.get());
    let mut g2 = Task::parked(queue.get());
    queue.put_nowait(1).unwrap(); // g1 woken for it
    queue.shutdown();
    assert!(g2.woken());
    g1.cancel();
    assert_eq!(queue.qsize(), 1);
    assert_eq!(g2.poll(), Some(Ok(1)));
    assert_eq!(queue.get_nowait(), Err(TryGetError::ShutDown));
}

#[test]
fn a_put_dropped_before_it_waits_adds_nothing() {
    let queue = Queue::new(1);
    drop(queue.put(1));
    assert!(queue.empty());
    assert_eq!(queue.unfinished_tasks(), 0);
}

#[test]
fn a_put_dropped_while_waiting_adds_nothing_and_leaves_the_line() {
    let queue = Queue::new(1);
    queue.put_nowait(Arc::new(())).unwrap();
    let item = Arc::new(());
    let mut p1 = Task::parked(queue.put(item.clone()));
    let mut p2 = Task::parked(queue.put(Arc::new(())));
    assert_eq!(queue.putters(), 2);
    p1.cancel();
    assert_eq!(
        Arc::strong_count(&item),
        1,
        "the item was not dropped with its put"
    );
    assert_eq!(queue.putters(), 1);
    queue.get_nowait().unwrap();
    assert!(!p1.woken() && p2.woken());
    assert_eq!(p2.poll(), Some(Ok(())));
    assert_eq!(queue.qsize(), 1);
    assert_eq!(queue.unfinished_tasks(), 2);
}

#[test]
fn a_woken_put_dropped_passes_its_wake_up_on_and_adds_nothing() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let mut p1 = Task::parked(queue.put(1));
    let mut p2 = Task::parked(queue.put(2));
    queue.get_nowait().unwrap();
    assert!(p1.woken());
    p1.cancel();
    assert!(p2.woken(), "the wake-up was not passed on");
    assert!(queue.empty());
    assert_eq!(p2.poll(), Some(Ok(())));
    assert_eq!(queue.get_nowait(), Ok(2));
}

#[test]
fn a_woken_put_beaten_to_its_slot_and_dropped_passes_nothing_on() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let mut p1 = Task::parked(queue.put(1));
    let mut p2 = Task::parked(queue.put(2));
    queue.get_nowait().unwrap();
    queue.put_nowait(9).unwrap();
    p1.cancel();
    assert!(!p2.woken(), "woke a putter for a full queue");
    assert_eq!(queue.get_nowait(), Ok(9));
    assert_eq!(p2.poll(), Some(Ok(())));
    assert_eq!(queue.get_nowait(), Ok(2));
}

#[test]
fn a_put_woken_by_shutdown_fails_with_its_item() {
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let mut p1 = Task::parked(queue.put(1));
    let mut p2 = Task::parked(queue.put(2));
    queue.shutdown();
    assert!(p1.woken() && p2.woken());
    assert_eq!(queue.putters(), 0);
    p1.cancel();
    let err = p2.poll().unwrap().unwrap_err();
    assert_eq!(err.into_inner(), 2);
    assert_eq!(queue.qsize(), 1);
    // Even with a slot free by then: the flag is checked first.
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let mut p = Task::parked(queue.put(1));
    queue.shutdown();
    queue.get_nowait().unwrap();
    assert_eq!(p.poll().unwrap().unwrap_err().into_inner(), 1);
}

#[test]
fn a_join_dropped_at_any_point_leaves_the_others_alone() {
    let queue = Queue::new(0);
    queue.put_nowait(1).unwrap();
    drop(queue.join()); // before it waits
    let mut j1 = Task::parked(queue.join());
    let mut j2 = Task::parked(queue.join());
    let mut j3 = Task::parked(queue.join());
    j1.cancel(); // while waiting
    queue.get_nowait().unwrap();
    queue.task_done().unwrap();
    assert!(j2.woken() && j3.woken());
    j2.cancel(); // released, not yet run: nothing to pass on
    assert_eq!(j3.poll(), Some(()));
}

#[test]
fn a_join_released_completes_even_if_a_put_follows() {
    let queue = Queue::new(0);
    queue.put_nowait(1).unwrap();
    let mut j1 = Task::parked(queue.join());
    queue.task_done().unwrap();
    queue.put_nowait(2).unwrap();
    let mut j2 = Task::parked(queue.join());
    assert_eq!(j1.poll(), Some(()));
    assert!(!j2.woken(), "a join that came after the put was released");
    assert_eq!(j2.poll(), None);
    queue.task_done().unwrap();
    assert_eq!(j2.poll(), Some(()));
}

#[test]
fn task_done_releases_every_join_over_several_batches() {
    const N: usize = 100;
    let queue = Queue::new(0);
    queue.put_nowait(()).unwrap();
    let mut joins: Vec<_> = (0..N).map(|_| Task::parked(queue.join())).collect();
    joins[N / 2].cancel();
    assert_eq!(queue.task_done(), Ok(()));
    assert!(queue.task_done().is_err());
    for (i, j) in joins.iter_mut().enumerate() {
        if i != N / 2 {
            assert_eq!(j.poll(), Some(()), "join {i} was not released");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// task_done, join and Tracked

#[test]
fn task_done_counts_items_not_gets() {
    let queue = Queue::new(0);
    queue.put_nowait(1).unwrap();
    queue.put_nowait(2).unwrap();
    // asyncio does not check which items are done: even one still queued.
    queue.task_done().unwrap();
    assert_eq!(queue.unfinished_tasks(), 1);
    assert_eq!(queue.qsize(), 2);
    queue.task_done().unwrap();
    assert!(queue.task_done().is_err());
    assert_eq!(queue.unfinished_tasks(), 0);
}

#[test]
fn a_tracked_item_is_done_however_it_is_dropped() {
    let queue = Queue::new(0);
    for i in 0..3 {
        queue.put_nowait(i).unwrap();
    }
    let job = poll_noop(pin!(queue.get_tracked())).map(Result::unwrap);
    let Poll::Ready(job) = job else { panic!() };
    assert_eq!(queue.unfinished_tasks(), 3);
    drop(job);
    assert_eq!(queue.unfinished_tasks(), 2);

    // A worker that panics while holding it.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let Poll::Ready(Ok(mut job)) = poll_noop(pin!(queue.get_tracked())) else {
            panic!()
        };
        *job += 1;
        panic!("worker failed on {}", *job);
    }));
    assert!(panicked.is_err());
    assert_eq!(queue.unfinished_tasks(), 1);

    // `into_inner` marks it done now.
    let Poll::Ready(Ok(job)) = poll_noop(pin!(queue.get_tracked())) else {
        panic!()
    };
    assert_eq!(format!("{job:?}"), "Tracked(2)");
    assert_eq!(Tracked::into_inner(job), 2);
    assert_eq!(queue.unfinished_tasks(), 0);
    assert!(poll_noop(pin!(queue.join())).is_ready());
}

#[test]
fn a_tracked_item_after_an_extra_task_done_does_not_panic() {
    let queue = Queue::new(0);
    queue.put_nowait(1).unwrap();
    let Poll::Ready(Ok(job)) = poll_noop(pin!(queue.get_tracked())) else {
        panic!()
    };
    queue.task_done().unwrap();
    drop(job); // the count is already 0: nothing to mark
    assert_eq!(queue.unfinished_tasks(), 0);
}

// ---------------------------------------------------------------------------------------------
// Shutdown

#[test]
fn shutdown_keeps_the_items_for_gets_and_refuses_puts() {
    let queue = Queue::new(0);
    queue.put_nowait(1).unwrap();
    queue.shutdown();
    queue.shutdown(); // idempotent
    assert!(queue.is_shutdown());
    assert_eq!(queue.put_nowait(2), Err(TryPutError::ShutDown(2)));
    assert_eq!(
        poll_noop(pin!(queue.put(3))).map(|r| r.map_err(QueueShutDown::into_inner)),
        Poll::Ready(Err(3))
    );
    assert_eq!(poll_noop(pin!(queue.get())), Poll::Ready(Ok(1)));
    assert_eq!(
        poll_noop(pin!(queue.get())),
        Poll::Ready(Err(QueueShutDown::default()))
    );
    assert_eq!(queue.get_nowait(), Err(TryGetError::ShutDown));
    // join still waits for the item taken.
    assert!(poll_noop(pin!(queue.join())).is_pending());
    queue.task_done().unwrap();
    assert!(poll_noop(pin!(queue.join())).is_ready());
}

#[test]
fn shutdown_wakes_every_getter_and_putter() {
    let queue = Queue::<u8>::new(0);
    let mut getters: Vec<_> = (0..40).map(|_| Task::parked(queue.get())).collect();
    queue.shutdown();
    assert_eq!(queue.getters(), 0);
    for g in &mut getters {
        assert!(g.woken());
        assert_eq!(g.poll(), Some(Err(QueueShutDown::default())));
    }
    let queue = Queue::new(1);
    queue.put_nowait(0).unwrap();
    let mut putters: Vec<_> = (0..40).map(|i| Task::parked(queue.put(i))).collect();
    queue.shutdown_immediate();
    assert_eq!(queue.putters(), 0);
    for (i, p) in putters.iter_mut().enumerate() {
        assert_eq!(p.poll().unwrap().unwrap_err().into_inner(), i);
    }
}

#[test]
fn shutdown_immediate_drops_the_items_and_lowers_the_count() {
    let queue = Queue::new(0);
    let items: Vec<_> = (0..3).map(Arc::new).collect();
    for item in &items {
        queue.put_nowait(item.clone()).unwrap();
    }
    let taken = queue.get_nowait().unwrap();
    let mut join = Task::parked(queue.join());
    queue.shutdown_immediate();
    assert!(queue.empty() && !queue.full());
    assert_eq!(Arc::strong_count(&items[1]), 1, "drained items are dropped");
    assert_eq!(Arc::strong_count(&items[2]), 1);
    // 3 unfinished, 2 drained: the item taken still needs its task_done.
    assert_eq!(queue.unfinished_tasks(), 1);
    assert!(!join.woken());
    assert_eq!(queue.get_nowait(), Err(TryGetError::ShutDown));
    drop(taken);
    queue.task_done().unwrap();
    assert!(join.woken());
    assert_eq!(join.poll(), Some(()));
    assert!(queue.task_done().is_err());
}

#[test]
fn shutdown_immediate_fails_a_getter_woken_for_a_drained_item() {
    let queue = Queue::new(0);
    let mut g1 = Task::parked(queue.get());
    let mut g2 = Task::parked(queue.get());
    queue.put_nowait(1).unwrap();
    queue.shutdown_immediate();
    assert_eq!(g1.poll(), Some(Err(QueueShutDown::default())));
    assert_eq!(g2.poll(), Some(Err(QueueShutDown::default())));
    // With a plain shutdown the woken getter takes its item and only the next one fails.
    let queue = Queue::new(0);
    let mut g1 = Task::parked(queue.get());
    let mut g2 = Task::parked(queue.get());
    queue.put_nowait(1).unwrap();
    queue.shutdown();
    assert_eq!(g1.poll(), Some(Ok(1)));
    assert_eq!(g2.poll(), Some(Err(QueueShutDown::default())));
}

#[test]
fn shutdown_immediate_releases_join_when_the_count_reaches_0() {
    let queue = Queue::new(1);
    queue.put_nowait("a").unwrap();
    let mut join = Task::parked(queue.join());
    let mut put = Task::parked(queue.put("b"));
    queue.shutdown_immediate();
    assert!(join.woken() && put.woken());
    assert_eq!(join.poll(), Some(()));
    assert_eq!(put.poll().unwrap().unwrap_err().into_inner(), "b");
    assert_eq!(queue.unfinished_tasks(), 0);
}

// ---------------------------------------------------------------------------------------------
// A PriorityQueue with a panicking Ord

/// Panics when compared while `ARMED` is set.
#[derive(PartialEq, Eq, Debug)]
struct Touchy(u8);

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        assert!(!ARMED.get(), "Ord panicked");
        self.0.cmp(&other.0)
    }
}

#[test]
fn a_panicking_ord_changes_nothing() {
    let queue = PriorityQueue::new(5);
    for i in [3, 1, 2, 4] {
        queue.put_nowait(Touchy(i)).unwrap();
    }
    assert_eq!(queue.get_nowait(), Ok(Touchy(1)));
    ARMED.set(true);
    let put = std::panic::catch_unwind(|| queue.put_nowait(Touchy(0)));
    let get = std::panic::catch_unwind(|| queue.get_nowait());
    let put_future = std::panic::catch_unwind(|| poll_noop(pin!(queue.put(Touchy(0)))).is_ready());
    ARMED.set(false);
    assert!(put.is_err() && get.is_err() && put_future.is_err());
    assert_eq!(queue.qsize(), 3);
    assert_eq!(queue.unfinished_tasks(), 4);
    for i in 2..=4 {
        assert_eq!(queue.get_nowait(), Ok(Touchy(i)));
    }
}

// ---------------------------------------------------------------------------------------------
// Threads and executors

#[test]
fn blocking_forms_bridge_threads_and_tasks() {
    let queue = Arc::new(Queue::new(2));
    let q = queue.clone();
    let producer = std::thread::spawn(move || {
        for i in 0..scaled(500) {
            q.put_blocking(i).unwrap();
        }
        q.join_blocking();
        q.shutdown();
    });
    futures_executor::block_on(async {
        let mut next = 0;
        while let Ok(job) = queue.get_tracked().await {
            assert_eq!(*job, next);
            next += 1;
        }
        assert_eq!(next, scaled(500));
    });
    producer.join().unwrap();
}

#[test]
fn timed_out_blocking_forms_leave_the_queue_whole() {
    let ms = Duration::from_millis(10);
    let queue = Queue::new(1);
    assert_eq!(queue.get_blocking_timeout(ms), None);
    assert_eq!(queue.getters(), 0);
    assert_eq!(queue.put_blocking_timeout(1, ms), Some(Ok(())));
    assert_eq!(queue.put_blocking_timeout(2, ms), None);
    assert_eq!(queue.putters(), 0);
    assert_eq!(queue.unfinished_tasks(), 1);
    assert!(!queue.join_blocking_timeout(ms));
    assert_eq!(queue.get_blocking_timeout(ms), Some(Ok(1)));
    queue.task_done().unwrap();
    assert!(queue.join_blocking_timeout(ms));
    queue.shutdown();
    assert_eq!(
        queue
            .put_blocking_timeout(3, ms)
            .map(|r| r.map_err(QueueShutDown::into_inner)),
        Some(Err(3))
    );
    assert_eq!(
        queue.get_blocking_timeout(ms),
        Some(Err(QueueShutDown::default()))
    );
}

#[test]
fn a_static_queue_is_shared_by_threads() {
    static JOBS: Queue<usize> = Queue::new(4);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(|| {
                let mut sum = 0;
                while let Ok(job) = JOBS.get_blocking() {
                    sum += job;
                    JOBS.task_done().unwrap();
                }
                sum
            })
        })
        .collect();
    for i in 1..=100 {
        JOBS.put_blocking(i).unwrap();
    }
    JOBS.join_blocking();
    JOBS.shutdown();
    let total: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(total, 5050);
}

/// Producers and consumers on a real executor, with some gets and puts dropped by a deadline
/// at random points: every item put is got exactly once.
async fn producers_and_consumers_with_cancellation(ex: Exec) {
    let rounds = scaled(400);
    let queue = Arc::new(Queue::new(3));
    let got = Arc::new(AtomicUsize::new(0));
    let sum = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for p in 0..2 {
        let queue = queue.clone();
        handles.push(ex.spawn(async move {
            let mut put = 0;
            for i in 0..rounds {
                let item = p * rounds + i;
                // Dropped at whatever point the deadline finds it: the item is then not put.
                match common::timeout(Duration::from_micros(50), queue.put(item)).await {
                    Some(Ok(())) => put += item + 1,
                    Some(Err(_)) => unreachable!("not shut down yet"),
                    None => {}
                }
            }
            put
        }));
    }
    for _ in 0..2 {
        let (queue, got, sum) = (queue.clone(), got.clone(), sum.clone());
        handles.push(ex.spawn(async move {
            loop {
                match common::timeout(Duration::from_micros(50), queue.get()).await {
                    Some(Ok(item)) => {
                        got.fetch_add(1, Ordering::SeqCst);
                        sum.fetch_add(item + 1, Ordering::SeqCst);
                    }
                    Some(Err(_)) => return 0,
                    None => {}
                }
            }
        }));
    }
    let consumers = handles.split_off(2);
    let mut put = 0;
    for h in handles {
        put += h.await;
    }
    until(|| queue.empty()).await;
    queue.shutdown();
    for c in consumers {
        c.await;
    }
    assert_eq!(
        sum.load(Ordering::SeqCst),
        put,
        "an item was lost or duplicated"
    );
    assert_eq!(got.load(Ordering::SeqCst), queue.unfinished_tasks());
    assert_eq!((queue.getters(), queue.putters()), (0, 0));
}

on_every_executor!(producers_and_consumers_with_cancellation);
