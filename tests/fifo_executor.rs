//! The test executor `common::fifo` orders task steps like asyncio's event loop; the CPython
//! ports (`cpython_*.rs`) rely on exactly these rules.

mod common;

use std::cell::{Cell, OnceCell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use common::fifo::{self, Executor, JoinHandle, sleep0};

type Log = Rc<RefCell<Vec<&'static str>>>;

fn entries(log: &Log) -> Vec<&'static str> {
    log.borrow().clone()
}

/// Spawns a task that records `name` when it first runs.
fn record(ex: &Executor, log: &Log, name: &'static str) -> JoinHandle<()> {
    let log = log.clone();
    ex.spawn(async move { log.borrow_mut().push(name) })
}

/// A one-shot wake-up a test can fire by hand: the waiting task's waker, stored.
#[derive(Clone, Default)]
struct Signal(Rc<RefCell<(bool, Option<Waker>)>>);

impl Signal {
    async fn wait(&self) {
        poll_fn(|cx| {
            let mut s = self.0.borrow_mut();
            if s.0 {
                Poll::Ready(())
            } else {
                s.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    fn fire(&self) {
        let waker = {
            let mut s = self.0.borrow_mut();
            s.0 = true;
            s.1.take()
        };
        waker.expect("nobody waits").wake();
    }
}

#[test]
fn spawned_tasks_start_in_spawn_order_once_the_spawner_yields() {
    fifo::run(|ex| async move {
        let log = Log::default();
        let tasks = [
            record(&ex, &log, "a"),
            record(&ex, &log, "b"),
            record(&ex, &log, "c"),
        ];
        assert!(entries(&log).is_empty());
        sleep0().await;
        assert_eq!(entries(&log), ["a", "b", "c"]);
        assert!(tasks.iter().all(JoinHandle::is_finished));
    });
}

#[test]
fn a_yielding_task_goes_to_the_back_of_the_queue() {
    fifo::run(|ex| async move {
        let log = Log::default();
        let l = log.clone();
        let a = ex.spawn(async move {
            l.borrow_mut().push("a1");
            sleep0().await;
            l.borrow_mut().push("a2");
        });
        let l = log.clone();
        let b = ex.spawn(async move {
            l.borrow_mut().push("b1");
            l.borrow_mut().push("b2");
        });
        // Queue: a, b, main. a yields behind main, so main resumes before a2.
        sleep0().await;
        assert_eq!(entries(&log), ["a1", "b1", "b2"]);
        sleep0().await;
        assert_eq!(entries(&log), ["a1", "b1", "b2", "a2"]);
        a.await;
        b.await;
    });
}

#[test]
fn woken_tasks_run_in_wake_order() {
    fifo::run(|ex| async move {
        let log = Log::default();
        let signals: [Signal; 3] = Default::default();
        let mut tasks = Vec::new();
        for (signal, name) in signals.iter().zip(["1", "2", "3"]) {
            let (signal, log) = (signal.clone(), log.clone());
            tasks.push(ex.spawn(async move {
                signal.wait().await;
                log.borrow_mut().push(name);
            }));
        }
        sleep0().await;
        assert!(entries(&log).is_empty());
        for i in [2, 0, 1] {
            signals[i].fire();
        }
        // Waking does not run anything: the tasks run when main yields.
        assert!(entries(&log).is_empty());
        sleep0().await;
        assert_eq!(entries(&log), ["3", "1", "2"]);
        for t in tasks {
            t.await;
        }
    });
}

#[test]
fn a_task_woken_twice_before_it_runs_is_queued_once_in_its_first_place() {
    fifo::run(|ex| async move {
        let log = Log::default();
        let polls = Rc::new(Cell::new(0));
        let waker: Rc<RefCell<Option<Waker>>> = Rc::default();
        let (p, w, l) = (polls.clone(), waker.clone(), log.clone());
        // Pending forever, recording every poll but the first.
        let a = ex.spawn(poll_fn(move |cx| {
            p.set(p.get() + 1);
            if p.get() > 1 {
                l.borrow_mut().push("a");
            }
            *w.borrow_mut() = Some(cx.waker().clone());
            Poll::<()>::Pending
        }));
        let signal = Signal::default();
        let (s, l) = (signal.clone(), log.clone());
        let b = ex.spawn(async move {
            s.wait().await;
            l.borrow_mut().push("b");
        });
        sleep0().await;
        let a_waker = waker.borrow_mut().take().unwrap();
        a_waker.wake_by_ref();
        signal.fire();
        a_waker.wake(); // again: a keeps its place ahead of b and runs once
        sleep0().await;
        assert_eq!(entries(&log), ["a", "b"]);
        assert_eq!(polls.get(), 2);
        a.cancel();
        b.await;
    });
}

/// Sets its flag when dropped: shows when a task's future is dropped.
struct OnDrop(Rc<Cell<bool>>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn a_cancelled_task_is_dropped_at_once_and_never_polled_again() {
    fifo::run(|ex| async move {
        let dropped = Rc::new(Cell::new(false));
        let signal = Signal::default();
        let (d, s) = (OnDrop(dropped.clone()), signal.clone());
        let task = ex.spawn(async move {
            let _d = d;
            s.wait().await;
            unreachable!("polled after cancel");
        });
        sleep0().await;
        signal.fire(); // queued, then cancelled before it runs: the queue entry is skipped
        task.cancel();
        assert!(dropped.get());
        assert!(task.is_cancelled() && !task.is_finished());
        sleep0().await;

        let dropped = Rc::new(Cell::new(false));
        let d = OnDrop(dropped.clone());
        drop(ex.spawn(async move { drop(d) })); // dropping the handle cancels
        assert!(dropped.get());
        sleep0().await;

        // A task may cancel itself: its future is dropped at the end of the step.
        let me: Rc<OnceCell<JoinHandle<()>>> = Rc::default();
        let dropped = Rc::new(Cell::new(false));
        let (m, d) = (me.clone(), OnDrop(dropped.clone()));
        let task = ex.spawn(async move {
            let _d = d;
            m.get().unwrap().cancel();
            assert!(!_d.0.get(), "dropped during its own step");
            sleep0().await;
            unreachable!("polled after cancel");
        });
        assert!(me.set(task).is_ok());
        sleep0().await;
        assert!(dropped.get());
        assert!(me.get().unwrap().is_cancelled());
        sleep0().await;
    });
}

#[test]
fn outputs_and_detached_tasks() {
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    let out = fifo::run(|ex| async move {
        let seven = ex.spawn(async { 7 });
        assert!(!seven.is_finished());
        sleep0().await;
        assert!(seven.is_finished());
        assert_eq!(seven.output(), 7);

        let later = ex.spawn(async {
            sleep0().await;
            "later"
        });
        assert_eq!(later.await, "later");

        ex.spawn(async move { r.set(true) }).detach();
        sleep0().await;
        "main"
    });
    assert_eq!(out, "main");
    assert!(ran.get());
}

#[test]
fn pending_tasks_are_dropped_when_main_completes() {
    let dropped = Rc::new(Cell::new(false));
    let d = dropped.clone();
    fifo::run(|ex| async move {
        ex.spawn(async move {
            let _d = OnDrop(d);
            std::future::pending::<()>().await;
        })
        .detach();
        sleep0().await;
    });
    assert!(dropped.get());
}

#[test]
#[should_panic(expected = "lost wake-up")]
fn a_main_future_nobody_can_wake_panics() {
    fifo::run(|_| std::future::pending::<()>());
}

#[test]
#[should_panic(expected = "lost wake-up")]
fn waiting_for_a_task_that_waits_forever_panics() {
    fifo::run(|ex| async move {
        ex.spawn(std::future::pending::<()>()).await;
    });
}

#[test]
#[should_panic(expected = "livelock")]
#[cfg_attr(
    miri,
    ignore = "runs the executor's whole step budget; it tests the executor only"
)]
fn yielding_forever_panics() {
    fifo::run(|_| async {
        loop {
            sleep0().await;
        }
    });
}
