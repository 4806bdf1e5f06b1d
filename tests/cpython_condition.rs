//! CPython's `ConditionTests` (Lib/test/test_asyncio/test_locks.py, 3.13) replayed step by step
//! on `common::fifo`, whose ready queue orders task steps as asyncio's loop does, with
//! CPython's expected values.
//!
//! | asyncio | here |
//! |---|---|
//! | `cond = asyncio.Condition()` | `Lock<T>` + `Condition::new()` |
//! | `await cond.acquire()` / `async with cond:` | `let g = lock.acquire().await;` |
//! | `cond.release()` | `drop(g)` |
//! | `await cond.wait()` | `g = cond.wait(g).await;` |
//! | `await cond.wait_for(pred)` | `g = cond.wait_for(g, pred).await;` |
//! | `cond.notify(n)` / `cond.notify_all()` | `cond.notify(&g, n)` / `cond.notify_all(&g)` |
//! | `cond.locked()` | `lock.locked()` |
//! | `task.cancel()` | `task.cancel()`: drops the task's future |
//! | `await asyncio.sleep(0)` | `sleep0().await` |
//!
//! The rules these cases pin down (asyncio-semantics.md §3): `notify(n)` and `notify_all` wake
//! waiters in FIFO order, and each woken waiter re-acquires the lock itself when it next runs,
//! queueing like any other acquirer. Nothing hands it the lock at notify time.
//!
//! Two deliberate differences from CPython change some expected values (each case says so):
//!
//! * A dropped `wait` does not re-acquire the lock: the guard it consumed is gone with it.
//! * CPython's `wait` notifies one more waiter on any exception exit, a possible spurious
//!   wake-up; aiosync passes a notification on only when the dropped waiter had consumed one.
//!
//! Not ported: `wait`/`notify` without the lock (asyncio's `RuntimeError`) do not compile; see the
//! `compile_fail` examples on `Condition`.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;

use aiosync::{Condition, Lock, LockGuard, OwnedLockGuard};
use common::fifo::{self, Executor, JoinHandle, sleep0};
use futures_util::future::{Either, select};

type Log<T = i32> = Rc<RefCell<Vec<T>>>;

fn entries<T: Clone>(log: &Log<T>) -> Vec<T> {
    log.borrow().clone()
}

/// asyncio's `async with asyncio.timeout(...)` on this loop: `fut`'s output, or `None` (and
/// `fut` dropped) if it is still pending after `turns` trips round the ready queue.
async fn within_turns<F: Future>(turns: usize, fut: F) -> Option<F::Output> {
    let timer = async {
        for _ in 0..turns {
            sleep0().await;
        }
    };
    match select(pin!(fut), pin!(timer)).await {
        Either::Left((out, _)) => Some(out),
        Either::Right(((), _)) => None,
    }
}

/// One lock and one condition on it, shared by the tasks of a test.
struct Shared<T> {
    lock: Rc<Lock<T>>,
    cond: Rc<Condition>,
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared {
            lock: self.lock.clone(),
            cond: self.cond.clone(),
        }
    }
}

impl<T> Shared<T> {
    fn new(value: T) -> Self {
        Shared {
            lock: Rc::new(Lock::new(value)),
            cond: Rc::new(Condition::new()),
        }
    }
}

/// Spawns asyncio's
/// `async def c(result): await cond.acquire(); if await cond.wait(): result.append(n); cond.release()`.
fn wait_and_log(ex: &Executor, s: &Shared<()>, result: &Log, n: i32) -> JoinHandle<()> {
    let (s, result) = (s.clone(), result.clone());
    ex.spawn(async move {
        let g = s.lock.acquire().await;
        let g = s.cond.wait(g).await;
        result.borrow_mut().push(n);
        drop(g);
    })
}

// Ports test_wait.
#[test]
fn wait() {
    fifo::run(|ex| async move {
        // Owned guards: CPython's tasks end still holding the lock, which the test releases.
        let lock = Arc::new(Lock::new(()));
        let cond = Rc::new(Condition::new());
        let result = Log::default();

        let c = |n: i32| {
            let (lock, cond, result) = (lock.clone(), cond.clone(), result.clone());
            ex.spawn(async move {
                let g = lock.acquire_owned().await;
                let g: OwnedLockGuard<()> = cond.wait(g).await;
                result.borrow_mut().push(n);
                g
            })
        };
        let t1 = c(1);
        let t2 = c(2);
        let t3 = c(3);

        sleep0().await;
        assert!(entries(&result).is_empty());
        assert!(!lock.locked());

        let g = lock.acquire().await;
        assert_eq!(cond.notify(&g, 1), 1);
        sleep0().await;
        assert!(entries(&result).is_empty());
        assert!(lock.locked());

        drop(g);
        sleep0().await;
        assert_eq!(entries(&result), [1]);
        assert!(lock.locked());

        // The lock is t1's now: notify and release with the guard it returned.
        let g = t1.output();
        assert_eq!(cond.notify(&g, 2), 2);
        sleep0().await;
        assert_eq!(entries(&result), [1]);
        assert!(lock.locked());

        drop(g);
        sleep0().await;
        assert_eq!(entries(&result), [1, 2]);
        assert!(lock.locked());

        drop(t2.output());
        sleep0().await;
        assert_eq!(entries(&result), [1, 2, 3]);
        assert!(lock.locked());

        assert!(t3.is_finished());
        drop(t3.output());
    });
}

// Ports test_wait_cancel.
#[test]
fn wait_cancel() {
    fifo::run(|ex| async move {
        let lock = Arc::new(Lock::new(()));
        let cond = Rc::new(Condition::new());
        let g = lock.acquire_owned().await;

        let c = cond.clone();
        let wait = ex.spawn(async move { drop(c.wait(g).await) });
        // `call_soon(wait.cancel)` runs after the task's first step, which starts waiting.
        sleep0().await;
        wait.cancel();
        assert!(wait.is_cancelled());
        assert_eq!(cond.waiters(), 0);
        // CPython: `cond.locked()` is True, the cancelled wait re-acquired the lock before
        // raising. A dropped wait does not re-acquire it (its guard is gone): the lock is free.
        assert!(!lock.locked());
    });
}

// Ports test_wait_cancel_contested.
#[test]
fn wait_cancel_contested() {
    fifo::run(|ex| async move {
        let lock = Arc::new(Lock::new(()));
        let cond = Rc::new(Condition::new());

        let g = lock.acquire_owned().await;
        assert!(lock.locked());

        let c = cond.clone();
        let wait_task = ex.spawn(async move { drop(c.wait(g).await) });
        sleep0().await;
        assert!(!lock.locked());

        // Notify, but contest the lock before cancelling.
        let g = lock.acquire().await;
        assert!(lock.locked());
        assert_eq!(cond.notify(&g, 1), 1);
        // `call_soon(wait_task.cancel); call_soon(cond.release)`, then main awaits the task:
        // the notified task takes its step first, then the cancel, then the release.
        sleep0().await;
        wait_task.cancel();
        drop(g);
        sleep0().await;

        assert!(wait_task.is_cancelled());
        assert_eq!(cond.waiters(), 0);
        // CPython: `cond.locked()` is True, the cancelled task re-acquired the lock in `wait`.
        // A dropped wait does not re-acquire it: the lock is free, held by no one.
        assert!(!lock.locked());
        assert!(lock.try_acquire().is_some());
    });
}

// Ports test_wait_cancel_after_notify.
#[test]
fn wait_cancel_after_notify() {
    fifo::run(|ex| async move {
        let s = Shared::new(());
        let waited = Rc::new(Cell::new(false));

        let (s2, w) = (s.clone(), waited.clone());
        let waiter = ex.spawn(async move {
            let g = s2.lock.acquire().await;
            w.set(true); // make sure this area was reached
            drop(s2.cond.wait(g).await);
        });
        sleep0().await; // start waiting

        let g = s.lock.acquire().await;
        assert_eq!(s.cond.notify(&g, 1), 1);
        sleep0().await; // get to acquire()
        waiter.cancel();
        sleep0().await; // activate cancellation
        drop(g);
        sleep0().await; // cancellation should occur

        assert!(waiter.is_cancelled());
        assert!(waited.get());
        // As after CPython's waiter released the lock on leaving `async with`:
        assert!(!s.lock.locked());
    });
}

// Ports test_wait_for.
#[test]
fn wait_for() {
    fifo::run(|ex| async move {
        let s = Shared::new(());
        let presult = Rc::new(Cell::new(false));
        let result = Log::default();

        let (s2, p, r) = (s.clone(), presult.clone(), result.clone());
        let t = ex.spawn(async move {
            let g = s2.lock.acquire().await;
            let g = s2.cond.wait_for(g, |_| p.get()).await;
            r.borrow_mut().push(1);
            drop(g);
            true
        });

        sleep0().await;
        assert!(entries(&result).is_empty());

        let g = s.lock.acquire().await;
        s.cond.notify(&g, 1);
        drop(g);
        sleep0().await;
        assert!(entries(&result).is_empty());

        presult.set(true);
        let g = s.lock.acquire().await;
        s.cond.notify(&g, 1);
        drop(g);
        sleep0().await;
        assert_eq!(entries(&result), [1]);

        assert!(t.is_finished());
        assert!(t.output());
    });
}

// Ports test_notify.
#[test]
fn notify() {
    fifo::run(|ex| async move {
        let s = Shared::new(());
        let result = Log::default();

        let t1 = wait_and_log(&ex, &s, &result, 1);
        let t2 = wait_and_log(&ex, &s, &result, 2);
        let t3 = wait_and_log(&ex, &s, &result, 3);

        sleep0().await;
        assert!(entries(&result).is_empty());

        let g = s.lock.acquire().await;
        assert_eq!(s.cond.notify(&g, 1), 1);
        drop(g);
        sleep0().await;
        assert_eq!(entries(&result), [1]);

        let g = s.lock.acquire().await;
        assert_eq!(s.cond.notify(&g, 1), 1);
        assert_eq!(s.cond.notify(&g, 2048), 1);
        drop(g);
        // One turn: t2 and t3 each take the free lock when they run, and release it.
        sleep0().await;
        assert_eq!(entries(&result), [1, 2, 3]);
        assert!(!s.lock.locked());

        assert!(t1.is_finished());
        assert!(t2.is_finished());
        assert!(t3.is_finished());
    });
}

// Ports test_notify_all.
#[test]
fn notify_all() {
    fifo::run(|ex| async move {
        let s = Shared::new(());
        let result = Log::default();

        let t1 = wait_and_log(&ex, &s, &result, 1);
        let t2 = wait_and_log(&ex, &s, &result, 2);

        sleep0().await;
        assert!(entries(&result).is_empty());

        let g = s.lock.acquire().await;
        assert_eq!(s.cond.notify_all(&g), 2);
        drop(g);
        sleep0().await;
        assert_eq!(entries(&result), [1, 2]);

        assert!(t1.is_finished());
        assert!(t2.is_finished());
    });
}

/// Spawns the task of test_cancelled_error_wakeup and test_cancelled_error_re_aquire:
/// `async with cond: await cond.wait_for(lambda: wake)`, then code that the cancellation must
/// skip (CPython re-raises the same CancelledError there; dropping the future skips it).
fn wait_for_wake(ex: &Executor, s: &Shared<bool>, reached: &Rc<Cell<bool>>) -> JoinHandle<()> {
    let (s, reached) = (s.clone(), reached.clone());
    ex.spawn(async move {
        let g = s.lock.acquire().await;
        let g = s.cond.wait_for(g, |wake| *wake).await;
        reached.set(true);
        drop(g);
    })
}

// Ports test_cancelled_error_wakeup.
#[test]
fn cancelled_error_wakeup() {
    fifo::run(|ex| async move {
        let s = Shared::new(false); // `wake`, under the lock
        let reached = Rc::new(Cell::new(false));
        let task = wait_for_wake(&ex, &s, &reached);
        sleep0().await;

        // The task is waiting on the condition: cancel it there.
        task.cancel();
        assert!(task.is_cancelled());
        // CPython checks the task raised the very CancelledError it received; in Rust the
        // cancellation is the drop itself, and the code after the wait never runs.
        assert!(!reached.get());
        assert_eq!(s.cond.waiters(), 0);
        assert!(!s.lock.locked());
    });
}

// Ports test_cancelled_error_re_aquire.
#[test]
fn cancelled_error_re_acquire() {
    fifo::run(|ex| async move {
        let s = Shared::new(false); // `wake`, under the lock
        let reached = Rc::new(Cell::new(false));
        let task = wait_for_wake(&ex, &s, &reached);
        sleep0().await;

        // The task is waiting on the condition.
        let mut g = s.lock.acquire().await;
        *g = true;
        assert_eq!(s.cond.notify(&g, 1), 1);
        sleep0().await;
        // The task is now trying to re-acquire the lock: cancel it there.
        task.cancel();
        drop(g);

        assert!(task.is_cancelled());
        assert!(!reached.get());
        assert_eq!(s.cond.waiters(), 0);
        assert_eq!(s.lock.waiters(), 0);
        assert!(!s.lock.locked());
    });
}

/// Spawns the consumer of test_cancelled_wakeup and test_cancelled_wakeup_relock: under the
/// lock, waits for `state != 0`, returns if it is negative, otherwise takes one item; repeats.
fn consumer(ex: &Executor, s: &Shared<i32>) -> JoinHandle<()> {
    let s = s.clone();
    ex.spawn(async move {
        let mut g = s.lock.acquire().await;
        loop {
            g = s.cond.wait_for(g, |state| *state != 0).await;
            if *g < 0 {
                return;
            }
            *g -= 1;
        }
    })
}

/// The rest of test_cancelled_wakeup and test_cancelled_wakeup_relock, from the wait for the
/// item to be consumed: the notification the cancelled c0 took must reach c1.
async fn item_consumed_despite_the_cancel(
    s: &Shared<i32>,
    g: LockGuard<'_, i32>,
    c1: JoinHandle<()>,
) {
    // `async with asyncio.timeout(0.01): await condition.wait_for(lambda: state == 0)`. Nobody
    // notifies main, so this times out in CPython too.
    let mut g = match within_turns(10, s.cond.wait_for(g, |state| *state == 0)).await {
        Some(g) => g,
        // CPython's timed-out wait re-acquires the lock before raising (and notifies c1, a
        // spurious wake-up; the `notify_all` below wakes it here). A dropped wait does not.
        None => s.lock.acquire().await,
    };
    assert_eq!(*g, 0, "the item was not consumed: a notification was lost");

    // clean up
    *g = -1;
    s.cond.notify_all(&g);
    drop(g);
    c1.await;
}

// Ports test_cancelled_wakeup.
#[test]
fn cancelled_wakeup() {
    fifo::run(|ex| async move {
        let s = Shared::new(0); // `state`, under the lock
        // create two consumers
        let c0 = consumer(&ex, &s);
        let c1 = consumer(&ex, &s);
        // wait for them to settle
        sleep0().await;

        let mut g = s.lock.acquire().await;
        // produce one item and wake up one
        *g += 1;
        assert_eq!(s.cond.notify(&g, 1), 1);
        // Cancel it while it is awaiting to be run.
        c0.cancel();

        item_consumed_despite_the_cancel(&s, g, c1).await;
    });
}

// Ports test_cancelled_wakeup_relock.
#[test]
fn cancelled_wakeup_relock() {
    fifo::run(|ex| async move {
        let s = Shared::new(0); // `state`, under the lock
        let c0 = consumer(&ex, &s);
        let c1 = consumer(&ex, &s);
        sleep0().await;

        let mut g = s.lock.acquire().await;
        *g += 1;
        assert_eq!(s.cond.notify(&g, 1), 1);
        // Let c0 wake up and settle on re-acquiring the lock.
        sleep0().await;
        // Cancel it while awaiting the lock.
        c0.cancel();

        item_consumed_despite_the_cancel(&s, g, c1).await;
    });
}

// No CPython test: asyncio-semantics.md §3, a notified waiter re-contends for the lock when it
// runs (no hand-off at notify time), so a notifier that releases and re-acquires at once goes
// first: asyncio records ['notifier', 'waiter'].
#[test]
fn a_notifier_that_releases_and_reacquires_at_once_goes_before_the_waiter() {
    fifo::run(|ex| async move {
        let s = Shared::new(());
        let log: Log<&str> = Log::default();

        let (s2, l) = (s.clone(), log.clone());
        let waiter = ex.spawn(async move {
            let g = s2.lock.acquire().await;
            let g = s2.cond.wait(g).await;
            l.borrow_mut().push("waiter");
            drop(g);
        });
        sleep0().await;

        let (s2, l) = (s.clone(), log.clone());
        let notifier = ex.spawn(async move {
            let g = s2.lock.acquire().await;
            s2.cond.notify(&g, 1);
            drop(g);
            let g = s2.lock.acquire().await;
            l.borrow_mut().push("notifier");
            drop(g);
        });

        notifier.await;
        waiter.await;
        assert_eq!(entries(&log), ["notifier", "waiter"]);
    });
}

// Adapted from asyncio-semantics.md §3 [verified]: cancelling a waiter that was never notified.
// CPython records [2]: its `wait` notifies one more waiter on any exception exit, so w2 wakes
// spuriously. aiosync passes a notification on only if the dropped waiter had consumed one: w2
// keeps waiting until it is really notified.
#[test]
fn a_dropped_waiter_that_was_never_notified_wakes_nobody() {
    fifo::run(|ex| async move {
        let s = Shared::new(());
        let result = Log::default();
        let w1 = wait_and_log(&ex, &s, &result, 1);
        let w2 = wait_and_log(&ex, &s, &result, 2);
        sleep0().await;

        w1.cancel();
        for _ in 0..3 {
            sleep0().await;
        }
        assert!(entries(&result).is_empty()); // CPython: [2]
        assert_eq!(s.cond.waiters(), 1); // CPython: 0

        let g = s.lock.acquire().await;
        s.cond.notify_all(&g);
        drop(g);
        w2.await;
        assert_eq!(entries(&result), [2]);
    });
}

// Adapted from asyncio-semantics.md §3 [verified]: `notify(1)` with a cancelled head. CPython
// records [2, 3]: notify skips the cancelled w1 and wakes w2, then w1's exit path wakes w3 too.
// Here w1 left the queue when it was dropped, without having consumed a notification, so the
// one notification wakes w2 alone.
#[test]
fn notify_one_after_the_head_was_dropped_wakes_exactly_one() {
    fifo::run(|ex| async move {
        let s = Shared::new(());
        let result = Log::default();
        let w1 = wait_and_log(&ex, &s, &result, 1);
        let w2 = wait_and_log(&ex, &s, &result, 2);
        let w3 = wait_and_log(&ex, &s, &result, 3);
        sleep0().await;

        w1.cancel();
        let g = s.lock.acquire().await;
        assert_eq!(s.cond.notify(&g, 1), 1);
        drop(g);
        for _ in 0..3 {
            sleep0().await;
        }
        assert_eq!(entries(&result), [2]); // CPython: [2, 3]
        assert_eq!(s.cond.waiters(), 1); // CPython: 0

        let g = s.lock.acquire().await;
        s.cond.notify_all(&g);
        drop(g);
        w2.await;
        w3.await;
        assert_eq!(entries(&result), [2, 3]);
    });
}
