//! A deterministic single-threaded executor whose ready queue works like asyncio's event loop,
//! so CPython's `test_locks.py` cases can be replayed step by step with their expected values.
//!
//! asyncio's loop (asyncio-semantics.md §0) runs one task step at a time from a FIFO ready queue:
//!
//! * `create_task(c)` appends c's first step; c runs only once its creator yields.
//! * Resolving the future a task awaits (`set_result`, `cancel`) does not run the task: it appends
//!   the task's next step to the back, so tasks resume in the order they were woken.
//! * `await asyncio.sleep(0)` appends the current task to the back: every step that was already
//!   ready runs once before it resumes.
//!
//! Here [`Waker::wake`] plays the part of resolving the future: it appends the task to the back
//! of the ready queue. A task waits on one thing at a time, so asyncio schedules its next step
//! once; accordingly a task woken again before it runs keeps its place and is queued once. A
//! task that wakes itself while being polled (as [`sleep0`] does) goes to the back.
//! Cancelling a task drops its future at once: `task.cancel()` as far as Rust can express it.
//! One timing differs: asyncio runs a cancelled task's clean-up (`except CancelledError`) at
//! that task's next step, while here `Drop` runs inside `cancel()`.
//!
//! Nothing here ever blocks: when no task is ready and the main future is not done, nothing can
//! ever wake it (wakes come only from tasks), so [`run`] panics, loudly, instead of hanging.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

type TaskId = usize;
type BoxedTask = Pin<Box<dyn Future<Output = ()>>>;

/// The id of the main future given to [`run`]; spawned tasks count up from 1.
const MAIN: TaskId = 0;
/// A livelock (tasks yielding forever) fails the test after this many steps instead of hanging.
const MAX_STEPS: usize = if cfg!(miri) { 10_000 } else { 1_000_000 };

/// The ready queue. Behind a `Mutex` only because a [`Waker`] must be `Send + Sync`.
#[derive(Default)]
struct Ready {
    order: VecDeque<TaskId>,
    queued: HashSet<TaskId>,
}

fn schedule(ready: &Mutex<Ready>, id: TaskId) {
    let mut r = ready.lock().unwrap();
    if r.queued.insert(id) {
        r.order.push_back(id);
    }
}

struct TaskWaker {
    id: TaskId,
    ready: Arc<Mutex<Ready>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        schedule(&self.ready, self.id);
    }
}

/// Spawns tasks onto the loop [`run`] is running. Cheap to clone.
#[derive(Clone)]
pub struct Executor(Rc<Inner>);

struct Inner {
    ready: Arc<Mutex<Ready>>,
    /// Spawned tasks that have neither finished nor been cancelled; `None` while being polled.
    tasks: RefCell<HashMap<TaskId, Option<BoxedTask>>>,
    next_id: Cell<TaskId>,
}

/// Runs `main` (built from the executor) and every task it spawns until `main` completes, then
/// drops the tasks still pending and returns `main`'s output.
///
/// # Panics
///
/// If nothing is ready while `main` is not done (a lost wake-up), or after [`MAX_STEPS`] steps;
/// a panic in any task propagates.
pub fn run<F, Fut>(main: F) -> Fut::Output
where
    F: FnOnce(Executor) -> Fut,
    Fut: Future,
{
    let ex = Executor(Rc::new(Inner {
        ready: Arc::default(),
        tasks: RefCell::default(),
        next_id: Cell::new(MAIN + 1),
    }));
    let mut main = pin!(main(ex.clone()));
    let main_waker = ex.waker(MAIN);
    schedule(&ex.0.ready, MAIN);
    let mut steps = 0;
    let out = loop {
        let next = {
            let mut r = ex.0.ready.lock().unwrap();
            let next = r.order.pop_front();
            if let Some(id) = next {
                // Cleared before the step, so a task that wakes itself goes to the back.
                r.queued.remove(&id);
            }
            next
        };
        let Some(id) = next else {
            panic!("deadlock: no task is ready and the main future is not done (a lost wake-up)");
        };
        steps += 1;
        assert!(
            steps <= MAX_STEPS,
            "livelock: {MAX_STEPS} steps and the main future is not done"
        );
        if id != MAIN {
            ex.step(id);
        } else if let Poll::Ready(out) = main.as_mut().poll(&mut Context::from_waker(&main_waker)) {
            break out;
        }
    };
    // Pending tasks hold `Executor` clones: dropping them breaks the cycle. Dropping one may
    // spawn or cancel others, so no borrow is held while dropping.
    loop {
        let rest: Vec<_> = ex.0.tasks.borrow_mut().drain().collect();
        if rest.is_empty() {
            break out;
        }
        drop(rest);
    }
}

impl Executor {
    fn waker(&self, id: TaskId) -> Waker {
        Waker::from(Arc::new(TaskWaker {
            id,
            ready: self.0.ready.clone(),
        }))
    }

    /// Appends `fut` to the ready queue: asyncio's `create_task`. It starts once the running
    /// task yields. Dropping the returned handle cancels the task (see [`JoinHandle::detach`]).
    pub fn spawn<F: Future + 'static>(&self, fut: F) -> JoinHandle<F::Output> {
        let id = self.0.next_id.get();
        self.0.next_id.set(id + 1);
        let state = Rc::new(RefCell::new(JoinState {
            output: None,
            finished: false,
            cancelled: false,
            joiner: None,
        }));
        let shared = state.clone();
        let task = async move {
            let out = fut.await;
            let joiner = {
                let mut s = shared.borrow_mut();
                (s.output, s.finished) = (Some(out), true);
                s.joiner.take()
            };
            if let Some(joiner) = joiner {
                joiner.wake();
            }
        };
        self.0.tasks.borrow_mut().insert(id, Some(Box::pin(task)));
        schedule(&self.0.ready, id);
        JoinHandle {
            ex: self.clone(),
            id,
            state,
            detached: false,
        }
    }

    /// Runs one step of task `id`, unless it has finished or been cancelled since it was woken.
    fn step(&self, id: TaskId) {
        let tasks = &self.0.tasks;
        let fut = tasks.borrow_mut().get_mut(&id).and_then(Option::take);
        let Some(mut fut) = fut else { return };
        let waker = self.waker(id);
        let poll = fut.as_mut().poll(&mut Context::from_waker(&waker));
        let mut tasks = tasks.borrow_mut();
        match tasks.get_mut(&id) {
            Some(slot) if poll.is_pending() => *slot = Some(fut),
            Some(_) => drop(tasks.remove(&id)),
            None => {
                // Cancelled by itself during the step: drop it, outside the borrow.
                drop(tasks);
                drop(fut);
            }
        }
    }
}

struct JoinState<T> {
    output: Option<T>,
    finished: bool,
    cancelled: bool,
    joiner: Option<Waker>,
}

/// A spawned task. Awaiting it waits for its output; dropping it cancels the task.
#[must_use = "dropping a JoinHandle cancels its task"]
pub struct JoinHandle<T> {
    ex: Executor,
    id: TaskId,
    state: Rc<RefCell<JoinState<T>>>,
    detached: bool,
}

impl<T> JoinHandle<T> {
    /// Whether the task ran to completion (asyncio's `done()` and not `cancelled()`).
    pub fn is_finished(&self) -> bool {
        self.state.borrow().finished
    }

    /// Whether [`cancel`](Self::cancel) dropped the task before it finished.
    pub fn is_cancelled(&self) -> bool {
        self.state.borrow().cancelled
    }

    /// asyncio's `task.cancel()`: drops the task's future now, running its `Drop` code. Does
    /// nothing once the task has finished.
    pub fn cancel(&self) {
        {
            let mut s = self.state.borrow_mut();
            if s.finished || s.cancelled {
                return;
            }
            s.cancelled = true;
        }
        // Dropped outside the borrow: its `Drop` may reach the executor.
        let fut = self.ex.0.tasks.borrow_mut().remove(&self.id);
        drop(fut);
    }

    /// The output of a finished task (asyncio's `task.result()`).
    ///
    /// # Panics
    ///
    /// If the task has not finished (or its output was already taken).
    pub fn output(self) -> T {
        let out = self.state.borrow_mut().output.take();
        out.expect("task not finished")
    }

    /// Lets the task run on with nobody to cancel it or take its output.
    pub fn detach(mut self) {
        self.detached = true;
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = T;

    /// Resolves to the task's output once it finishes; panics if it was cancelled.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.state.borrow_mut();
        assert!(!s.cancelled, "awaited a cancelled task");
        match s.output.take() {
            Some(out) => Poll::Ready(out),
            None => {
                s.joiner = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.detached {
            self.cancel();
        }
    }
}

/// asyncio's `await asyncio.sleep(0)`: goes to the back of the ready queue once.
pub async fn sleep0() {
    super::yield_now().await
}
