//! Loom models of Queue: a dropped get never loses an item and its wake-up reaches the next
//! getter (and the same for puts and slots); puts and gets racing `shutdown_immediate` account
//! for every item exactly once; `join` completes exactly when the unfinished count reaches 0.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use aiosync::Queue;
use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;

/// Polls `fut` once, then yields (a scheduling point: loom's reduction does not otherwise try
/// another thread's step between the poll and the drop), then drops it.
fn poll_once_then_drop<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let out = match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    };
    thread::yield_now();
    out
}

#[test]
fn a_dropped_get_never_loses_an_item_and_passes_its_wake_up_on() {
    loom::model(|| {
        let queue = Arc::new(Queue::new(0));
        let q = queue.clone();
        // Polled once, then dropped: before, while or after the put wakes it.
        let dropped = thread::spawn(move || poll_once_then_drop(q.get()));
        let q = queue.clone();
        let waiting = thread::spawn(move || block_on(q.get()));
        queue.put_nowait(1).unwrap();
        let first = dropped.join().unwrap();
        if first.is_some() {
            // The dropped get completed with the item: the other one needs its own.
            queue.put_nowait(2).unwrap();
        }
        let second = waiting.join().unwrap();
        let mut got: Vec<_> = first
            .into_iter()
            .chain([second])
            .map(Result::unwrap)
            .collect();
        got.sort_unstable();
        let expected: &[i32] = if got.len() == 2 { &[1, 2] } else { &[1] };
        assert_eq!(got, expected, "an item was lost or duplicated");
        assert!(queue.empty());
        assert_eq!(queue.getters(), 0);
    });
}

#[test]
fn a_dropped_put_never_adds_its_item_and_passes_its_wake_up_on() {
    loom::model(|| {
        let queue = Arc::new(Queue::new(1));
        queue.put_nowait(0).unwrap();
        let q = queue.clone();
        let dropped = thread::spawn(move || poll_once_then_drop(q.put(1)).is_some());
        let q = queue.clone();
        let waiting = thread::spawn(move || block_on(q.put(2)).unwrap());
        assert_eq!(queue.get_nowait(), Ok(0));
        let put = dropped.join().unwrap();
        if put {
            // The dropped put completed: its item takes the slot the other one waits for.
            assert_eq!(block_on(queue.get()), Ok(1));
        }
        waiting.join().unwrap();
        assert_eq!(
            queue.get_nowait(),
            Ok(2),
            "the dropped put's item was added"
        );
        assert!(queue.empty());
        assert_eq!(queue.putters(), 0);
    });
}

/// An item that records its drop, so that every item can be accounted for.
struct Item(u8, std::sync::Arc<Mutex<Vec<u8>>>);

impl Drop for Item {
    fn drop(&mut self) {
        self.1.lock().unwrap().push(self.0);
    }
}

#[test]
fn put_and_get_racing_shutdown_immediate_account_for_every_item_once() {
    loom::model(|| {
        let dropped = std::sync::Arc::new(Mutex::new(Vec::new()));
        let queue = Arc::new(Queue::new(1));
        queue.put_nowait(Item(1, dropped.clone())).unwrap();
        let q = queue.clone();
        let item = Item(2, dropped.clone());
        // Waits for a slot; fails with its item if the shutdown comes first.
        let putter = thread::spawn(move || block_on(q.put(item)).err().map(|e| e.into_inner()));
        let q = queue.clone();
        let getter = thread::spawn(move || block_on(q.get()).ok());
        queue.shutdown_immediate();
        let returned: Vec<Item> = [putter.join().unwrap(), getter.join().unwrap()]
            .into_iter()
            .flatten()
            .collect();
        assert!(queue.empty());
        assert_eq!(
            queue.get_nowait().err(),
            Some(aiosync::TryGetError::ShutDown)
        );
        assert_eq!((queue.getters(), queue.putters()), (0, 0));
        // Each item was dropped by the shutdown or handed back to one caller, never both.
        let mut seen: Vec<u8> = dropped.lock().unwrap().clone();
        seen.extend(returned.iter().map(|item| item.0));
        seen.sort_unstable();
        assert_eq!(seen, [1, 2], "an item was lost or duplicated");
    });
}

#[test]
fn join_completes_exactly_when_the_last_item_is_done() {
    loom::model(|| {
        let queue = Arc::new(Queue::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        queue.put_nowait(()).unwrap();
        queue.put_nowait(()).unwrap();
        let (q, d) = (queue.clone(), done.clone());
        let worker = thread::spawn(move || {
            for _ in 0..2 {
                q.get_nowait().unwrap();
                d.fetch_add(1, SeqCst);
                q.task_done().unwrap();
            }
        });
        let (q, d) = (queue.clone(), done.clone());
        let joiner = thread::spawn(move || {
            block_on(q.join());
            assert_eq!(
                d.load(SeqCst),
                2,
                "join completed before every item was done"
            );
        });
        block_on(queue.join());
        assert_eq!(
            done.load(SeqCst),
            2,
            "join completed before every item was done"
        );
        worker.join().unwrap();
        joiner.join().unwrap();
        assert_eq!(queue.unfinished_tasks(), 0);
    });
}

#[test]
fn a_join_dropped_while_released_leaves_the_other_released() {
    loom::model(|| {
        let queue = Arc::new(Queue::new(0));
        queue.put_nowait(()).unwrap();
        let q = queue.clone();
        let dropped = thread::spawn(move || {
            poll_once_then_drop(q.join());
        });
        let q = queue.clone();
        let joiner = thread::spawn(move || block_on(q.join()));
        queue.task_done().unwrap();
        dropped.join().unwrap();
        joiner.join().unwrap();
    });
}
