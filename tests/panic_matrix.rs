//! A panic in any waker call (`clone`, `wake` or `drop`) at any point loses nothing.
//!
//! Each script drives one primitive through acquires, releases, cancellations and resumes by hand.
//! It runs once with harmless wakers, to count the calls one task's waker receives. Then it runs
//! again, once per call, with a waker that panics in exactly that call, for every task in turn.
//! A task whose poll panics is dropped, as an executor drops a task that panicked. Afterwards the
//! survivors are polled only when woken, and the script checks the primitive is whole: every
//! surviving task completes, the lock is free, the permits are all back, no waiter is counted.

mod common;

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use aiosync::{
    Barrier, BoundedSemaphore, Condition, Event, Fairness, LifoQueue, Lock, PriorityQueue, Queue,
    Semaphore,
};
use common::{Bomb, Call};

/// Anything a task ends up holding: a guard, a permit, a barrier result.
trait Hold {}
impl<T> Hold for T {}

type Output<'a> = Box<dyn Hold + 'a>;

struct Task<'a> {
    fut: Option<Pin<Box<dyn Future<Output = Output<'a>> + 'a>>>,
    out: Option<Output<'a>>,
    bomb: Arc<Bomb>,
    waker: Waker,
    /// Wakes seen by the last poll.
    seen: usize,
}

/// Which task's waker panics, in which call.
#[derive(Clone, Copy, Debug)]
struct Fault {
    task: usize,
    call: Call,
    nth: usize,
}

struct Sim<'a> {
    tasks: Vec<Task<'a>>,
    fault: Option<Fault>,
}

/// Keeps the expected panics of faulty wakers out of the output; any other panic is reported.
fn quiet_bombs() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info.payload().downcast_ref::<String>();
            if !msg.is_some_and(|m| m.starts_with("waker ")) {
                report(info);
            }
        }));
    });
}

fn quietly(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

impl<'a> Sim<'a> {
    fn new(fault: Option<Fault>) -> Self {
        Sim {
            tasks: Vec::new(),
            fault,
        }
    }

    /// Adds a task and polls it once.
    fn spawn<T: 'a>(&mut self, fut: impl Future<Output = T> + 'a) -> usize {
        let i = self.tasks.len();
        let (bomb, waker) = match self.fault {
            Some(f) if f.task == i => Bomb::new(f.call, f.nth),
            _ => Bomb::harmless(),
        };
        self.tasks.push(Task {
            fut: Some(Box::pin(async move { Box::new(fut.await) as Output<'a> })),
            out: None,
            bomb,
            waker,
            seen: 0,
        });
        self.poll(i);
        i
    }

    /// Polls task `i` if it is still running. A poll that panics kills the task.
    fn poll(&mut self, i: usize) {
        let task = &mut self.tasks[i];
        let Some(fut) = task.fut.as_mut() else { return };
        task.seen = task.bomb.wakes();
        let waker = &task.waker;
        let polled = catch_unwind(AssertUnwindSafe(|| {
            fut.as_mut().poll(&mut Context::from_waker(waker))
        }));
        match polled {
            Ok(Poll::Pending) => {}
            Ok(Poll::Ready(out)) => {
                task.out = Some(out);
                quietly(|| drop(task.fut.take()));
            }
            Err(_) => quietly(|| drop(task.fut.take())),
        }
    }

    /// Drops task `i`'s future (a cancellation).
    fn cancel(&mut self, i: usize) {
        let fut = self.tasks[i].fut.take();
        quietly(|| drop(fut));
    }

    /// Drops what task `i` holds (a release).
    fn release(&mut self, i: usize) {
        let out = self.tasks[i].out.take();
        quietly(|| drop(out));
    }

    /// Polls every task woken since its last poll, until none is.
    fn run_woken(&mut self) {
        loop {
            let woken: Vec<_> = (0..self.tasks.len())
                .filter(|&i| {
                    let t = &self.tasks[i];
                    t.fut.is_some() && t.bomb.wakes() > t.seen
                })
                .collect();
            if woken.is_empty() {
                return;
            }
            for i in woken {
                self.poll(i);
            }
        }
    }

    /// Releases everything as tasks complete, polling only woken tasks, then checks that every
    /// surviving task completed: a task still waiting here lost its wake-up or its grant.
    fn drain(&mut self) {
        loop {
            self.run_woken();
            let held: Vec<_> = (0..self.tasks.len())
                .filter(|&i| self.tasks[i].out.is_some())
                .collect();
            if held.is_empty() {
                break;
            }
            for i in held {
                self.release(i);
            }
        }
        self.assert_all_done();
    }

    fn assert_all_done(&self) {
        for (i, t) in self.tasks.iter().enumerate() {
            assert!(
                t.fut.is_none(),
                "task {i} still waits after everything was released ({:?})",
                self.fault
            );
        }
    }

    /// How many calls of each kind each task's waker received.
    fn calls(&self) -> Vec<[usize; 3]> {
        self.tasks
            .iter()
            .map(|t| {
                let b = &t.bomb;
                [
                    b.calls(Call::Clone),
                    b.calls(Call::Wake),
                    b.calls(Call::Drop),
                ]
            })
            .collect()
    }
}

/// Runs `script` with harmless wakers, then once for every waker call of every task, with that
/// call panicking. `script` builds its primitive, runs, checks it is whole at the end, and
/// returns the calls each task's waker received.
fn matrix(script: impl Fn(Option<Fault>) -> Vec<[usize; 3]>) {
    quiet_bombs();
    let counts = script(None);
    let mut runs = 0;
    for (task, counts) in counts.iter().enumerate() {
        for (call, &count) in [Call::Clone, Call::Wake, Call::Drop].iter().zip(counts) {
            for nth in 1..=count {
                script(Some(Fault {
                    task,
                    call: *call,
                    nth,
                }));
                runs += 1;
            }
        }
    }
    assert!(runs > 0, "the script made no waker call to fault");
}

const POLICIES: [Fairness; 2] = [Fairness::Fifo, Fairness::Bounded(2)];

#[test]
fn lock_acquire_release_cancel_and_resume() {
    for fairness in POLICIES {
        matrix(|fault| {
            let lock = Lock::with_fairness(0u32, fairness);
            let mut sim = Sim::new(fault);
            for _ in 0..5 {
                sim.spawn(lock.acquire());
            }
            sim.release(0); // hand-off to 1, or left free for it
            sim.poll(2); // a spurious poll, possibly a bypass under the bounded policy
            sim.cancel(3);
            sim.run_woken();
            sim.release(1);
            sim.release(2);
            sim.poll(4);
            sim.drain();
            assert!(!lock.locked(), "the lock was lost");
            assert_eq!(lock.waiters(), 0);
            assert!(lock.try_acquire().is_some());
            sim.calls()
        });
    }
}

/// The script for both semaphores: `release_one` is their `release`, `acquire` their
/// `acquire_many`; `shrink` lowers the capacity by 2 and `grow` raises it by 2 again (for a
/// `BoundedSemaphore`, `set_bound`).
fn semaphore_script<'a, F: Future<Output = P> + 'a, P: 'a>(
    sim: &mut Sim<'a>,
    acquire: impl Fn(usize) -> F,
    forget: impl Fn(P) + 'a,
    release_one: impl Fn(),
    shrink: impl Fn(),
    grow: impl Fn(),
) {
    // 0 takes everything and keeps it out of circulation (asyncio's manual style). The permits
    // come back one by one through `release`, granting waiters that have not resumed yet and
    // holding spares back for them.
    let first = acquire(3);
    sim.spawn(async move { forget(first.await) });
    sim.spawn(acquire(1));
    sim.spawn(acquire(2));
    sim.spawn(acquire(0)); // nothing to wait for
    sim.spawn(acquire(1));
    sim.spawn(acquire(3));
    release_one();
    release_one();
    sim.poll(2); // a spurious poll: not granted yet, or granted and resuming
    release_one();
    sim.cancel(4);
    // A shrink while 1 and 2 are granted and 5 waits: nothing available, so 2 owed.
    shrink();
    sim.run_woken(); // 1 and 2 keep their grants
    sim.release(1); // repays one
    sim.release(2); // repays one, and sets one aside for 5
    sim.poll(5); // a spurious poll: 5 still needs two
    grow(); // serves 5: a wake-up from a resize
    sim.poll(5);
    sim.drain();
}

#[test]
fn semaphore_acquire_release_cancel_and_resume() {
    for fairness in POLICIES {
        matrix(|fault| {
            let sem = Semaphore::with_fairness(3, fairness);
            let mut sim = Sim::new(fault);
            semaphore_script(
                &mut sim,
                |n| sem.acquire_many(n),
                |p| p.forget(),
                || quietly(|| sem.release()),
                || sem.reduce_permits(2),
                || quietly(|| sem.release_many(2)),
            );
            assert_eq!(sem.available_permits(), 3, "permits were lost or made up");
            assert_eq!(sem.deficit(), 0, "the deficit was not repaid");
            assert_eq!(sem.waiters(), 0, "the waiter count is off");
            sim.calls()
        });
    }
}

#[test]
fn bounded_semaphore_acquire_release_cancel_and_resume() {
    for fairness in POLICIES {
        matrix(|fault| {
            let sem = BoundedSemaphore::with_fairness(3, fairness);
            let mut sim = Sim::new(fault);
            semaphore_script(
                &mut sim,
                |n| sem.acquire_many(n).unwrap(),
                |p| p.forget(),
                || quietly(|| sem.release().unwrap()),
                || sem.set_bound(1),
                || quietly(|| sem.set_bound(3)),
            );
            assert_eq!(sem.available_permits(), 3, "permits were lost or made up");
            assert_eq!(sem.deficit(), 0, "the deficit was not repaid");
            assert_eq!(sem.waiters(), 0, "the waiter count is off");
            assert!(sem.release().is_err(), "the bound moved");
            sim.calls()
        });
    }
}

#[test]
fn semaphore_release_many_over_more_than_one_wake_batch() {
    // Enough waiters for two batches of wakers; the faulty waker sits in either batch.
    const N: usize = 40;
    for fairness in POLICIES {
        let script = |fault| {
            let sem = Semaphore::with_fairness(0, fairness);
            let mut sim = Sim::new(fault);
            for _ in 0..N {
                sim.spawn(sem.acquire());
            }
            sim.cancel(N / 2);
            quietly(|| sem.release_many(N));
            sim.drain();
            assert_eq!(sem.available_permits(), N);
            assert_eq!(sem.waiters(), 0);
            sim.calls()
        };
        quiet_bombs();
        let counts = script(None);
        for task in [0, 1, N - 2] {
            for call in [Call::Clone, Call::Wake, Call::Drop] {
                for nth in 1..=counts[task][call as usize] {
                    script(Some(Fault { task, call, nth }));
                }
            }
        }
    }
}

#[test]
fn event_set_clear_and_cancel() {
    matrix(|fault| {
        let event = Event::new();
        let mut sim = Sim::new(fault);
        for _ in 0..4 {
            sim.spawn(event.wait());
        }
        sim.cancel(1);
        quietly(|| event.set());
        event.clear();
        sim.poll(3);
        sim.run_woken();
        quietly(|| event.set());
        sim.drain();
        assert_eq!(event.waiters(), 0);
        sim.calls()
    });
}

#[test]
fn condition_wait_notify_cancel_and_reacquire() {
    for fairness in POLICIES {
        matrix(|fault| {
            let lock = Lock::with_fairness(0u32, fairness);
            let cond = Condition::new();
            let notify = |k: usize| {
                if let Some(g) = lock.try_acquire() {
                    quietly(|| {
                        cond.notify(&g, k);
                    });
                }
            };
            let mut sim = Sim::new(fault);
            let n = 4;
            for _ in 0..n {
                sim.spawn(async {
                    let guard = lock.acquire().await;
                    cond.wait(guard).await
                });
                sim.run_woken();
            }
            notify(2);
            sim.poll(0); // notified: re-acquiring
            sim.cancel(1); // notified and dropped: passes its notification on
            sim.run_woken();
            sim.release(0);
            notify(1);
            // Whoever still waits is notified until all are done.
            for _ in 0..n {
                sim.run_woken();
                for i in 0..n {
                    sim.release(i);
                }
                notify(usize::MAX);
            }
            sim.drain();
            assert!(!lock.locked(), "the lock was lost");
            assert_eq!(cond.waiters(), 0);
            assert_eq!(lock.waiters(), 0);
            sim.calls()
        });
    }
}

#[test]
fn barrier_trip_and_cancel() {
    matrix(|fault| {
        let barrier = Barrier::new(3);
        let mut sim = Sim::new(fault);
        sim.spawn(barrier.wait());
        sim.spawn(barrier.wait());
        sim.cancel(1); // leaves before the trip: its place is free again
        sim.spawn(barrier.wait());
        sim.spawn(barrier.wait()); // trips, unless an arrival's poll panicked before it arrived
        sim.run_woken();
        // Arrivals lost to a panic before they arrived are made up, until a trip frees the rest.
        while sim.tasks.iter().any(|t| t.fut.is_some()) {
            sim.spawn(barrier.wait());
            sim.run_woken();
        }
        sim.drain();
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
        sim.calls()
    });
}

/// After the woken tasks have run, no task waits for what is there: an item with a getter
/// waiting, or a free slot with a putter waiting, would be a lost wake-up.
macro_rules! assert_no_lost_wake_up {
    ($queue:expr, $fault:expr) => {
        assert!(
            $queue.qsize() == 0 || $queue.getters() == 0,
            "a getter waits beside an item ({:?})",
            $fault
        );
        assert!(
            $queue.full() || $queue.putters() == 0,
            "a putter waits beside a free slot ({:?})",
            $fault
        );
    };
}

macro_rules! queue_matrix {
    ($($name:ident: $ty:ident),*) => {$(
        #[test]
        fn $name() {
            matrix(|fault| {
                let queue = &$ty::new(1);
                let got = std::cell::RefCell::new(Vec::new());
                let tracked = std::cell::Cell::new(0);
                let get = || async {
                    if let Ok(item) = queue.get().await {
                        got.borrow_mut().push(item);
                    }
                };
                let get_tracked = || async {
                    if let Ok(item) = queue.get_tracked().await {
                        got.borrow_mut().push(*item);
                        tracked.set(tracked.get() + 1);
                    }
                };
                let put = |item| async move {
                    let _ = queue.put(item).await;
                };
                let mut sim = Sim::new(fault);
                sim.spawn(get());
                sim.spawn(get());
                sim.spawn(get_tracked());
                quietly(|| assert!(queue.put_nowait(10).is_ok())); // wakes 0
                sim.spawn(put(11)); // full: waits
                sim.spawn(put(12));
                sim.cancel(0); // woken and dropped: passes the wake-up to 1
                sim.poll(2); // a spurious poll of a waiting getter
                // A barging get: 1, woken for the item, will wait again in its place.
                quietly(|| {
                    if let Ok(item) = queue.get_nowait() {
                        got.borrow_mut().push(item);
                    }
                });
                sim.spawn(queue.join());
                sim.run_woken();
                assert_no_lost_wake_up!(queue, fault);
                sim.cancel(4);
                quietly(|| {
                    let _ = queue.put_nowait(13);
                });
                sim.spawn(put(14));
                sim.run_woken();
                assert_no_lost_wake_up!(queue, fault);
                quietly(|| queue.shutdown());
                sim.run_woken();
                while let Ok(item) = queue.get_nowait() {
                    got.borrow_mut().push(item);
                }
                // Every item added counts as unfinished until a tracked one is done.
                let added = queue.unfinished_tasks() + tracked.get();
                // Releases the join, whose waker may panic.
                quietly(|| while queue.task_done().is_ok() {});
                sim.drain();
                let mut got = got.take();
                assert_eq!(got.len(), added, "an item was lost or got twice ({fault:?})");
                got.sort_unstable();
                got.dedup();
                assert_eq!(got.len(), added, "an item was got twice ({fault:?})");
                assert_eq!((queue.getters(), queue.putters()), (0, 0));
                sim.calls()
            });
        }
    )*};
}

queue_matrix!(
    queue_get_put_cancel_and_shutdown: Queue,
    lifo_queue_get_put_cancel_and_shutdown: LifoQueue,
    priority_queue_get_put_cancel_and_shutdown: PriorityQueue
);
