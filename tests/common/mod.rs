//! Helpers shared by the integration tests: hand-polling with counting wakers (for exact,
//! deterministic orderings), a matrix of executors (for behaviour under real schedulers), and
//! [`fifo`], an executor with asyncio's ready queue (for replaying CPython's test cases).
#![allow(dead_code)]

pub mod fifo;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Wake, Waker};
use std::time::Duration;

use futures_util::future::{FutureExt, RemoteHandle};

/// A waker that counts how often it was woken.
#[derive(Default)]
pub struct Counter(AtomicUsize);

impl Counter {
    pub fn new() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter::default());
        (counter.clone(), Waker::from(counter))
    }

    pub fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls a pinned future once with `waker`.
pub fn poll<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// Polls once with a no-op waker.
pub fn poll_noop<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    poll(fut, Waker::noop())
}

/// Yields once to the executor, whichever it is.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// Yields until `cond` holds (another task must make it true).
pub async fn until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        yield_now().await;
    }
}

/// The executor a test runs on; spawns tasks on it whatever it is.
pub enum Exec {
    Tokio(tokio::runtime::Handle),
    Pool(futures_executor::ThreadPool),
}

impl Exec {
    /// Spawns `fut`; the returned handle resolves to its output (dropping it cancels the task).
    pub fn spawn<F>(&self, fut: F) -> RemoteHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send,
    {
        let (task, handle) = fut.remote_handle();
        match self {
            Exec::Tokio(rt) => drop(rt.spawn(task)),
            Exec::Pool(pool) => pool.spawn_ok(task),
        }
        handle
    }
}

const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `f` but aborts the whole test binary, loudly, if it takes longer than the watchdog: a
/// lost wake-up shows up as a hang, and a hang must fail CI rather than stall it.
pub fn with_watchdog(what: &str, f: impl FnOnce()) {
    let (done, finished) = mpsc::channel::<()>();
    let what = what.to_owned();
    let watchdog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(WATCHDOG) {
            // Straight to stderr: the test harness would swallow `eprintln!` on abort.
            let msg = format!("{what} hung for {WATCHDOG:?}: a waiter was never woken\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr(), msg.as_bytes());
            std::process::abort();
        }
    });
    f();
    drop(done);
    watchdog.join().unwrap();
}

pub fn tokio_current_thread<F: Future<Output = ()>>(test: impl FnOnce(Exec) -> F) {
    with_watchdog("test tokio_current_thread", || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(test(Exec::Tokio(rt.handle().clone())));
    })
}

pub fn tokio_multi_thread<F: Future<Output = ()>>(test: impl FnOnce(Exec) -> F) {
    with_watchdog("test tokio_multi_thread", || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(test(Exec::Tokio(rt.handle().clone())));
    })
}

pub fn futures_thread_pool<F: Future<Output = ()>>(test: impl FnOnce(Exec) -> F) {
    with_watchdog("test futures_thread_pool", || {
        let pool = futures_executor::ThreadPool::builder()
            .pool_size(2)
            .create()
            .unwrap();
        futures_executor::block_on(test(Exec::Pool(pool)));
    })
}

/// For each `async fn name(ex: Exec)` listed, generates `name::tokio_current_thread`,
/// `name::tokio_multi_thread` and `name::futures_thread_pool` tests.
#[macro_export]
macro_rules! on_every_executor {
    ($($name:ident),* $(,)?) => {
        mod on_every_executor {
            $(
                mod $name {
                    #[test]
                    fn tokio_current_thread() {
                        $crate::common::tokio_current_thread(super::super::$name);
                    }
                    #[test]
                    fn tokio_multi_thread() {
                        $crate::common::tokio_multi_thread(super::super::$name);
                    }
                    #[test]
                    fn futures_thread_pool() {
                        $crate::common::futures_thread_pool(super::super::$name);
                    }
                }
            )*
        }
    };
}

/// Iteration counts are scaled down under Miri, which runs about a thousand times slower.
pub fn scaled(n: usize) -> usize {
    if cfg!(miri) { (n / 50).max(2) } else { n }
}

/// A runtime-agnostic sleep: a thread wakes the task when the time is up. Tests only; aiosync
/// itself has no timer. Dropping it stops and joins the thread, so no test leaves one running.
pub fn sleep(d: Duration) -> Sleep {
    let shared = Arc::new(TimerState::default());
    let timer = shared.clone();
    let thread = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + d;
        let mut s = timer.state.lock().unwrap();
        while !s.cancelled {
            let now = std::time::Instant::now();
            if now >= deadline {
                s.fired = true;
                if let Some(w) = s.waker.take() {
                    w.wake();
                }
                return;
            }
            s = timer.changed.wait_timeout(s, deadline - now).unwrap().0;
        }
    });
    Sleep {
        shared,
        thread: Some(thread),
    }
}

#[derive(Default)]
pub struct TimerState {
    state: std::sync::Mutex<Timer>,
    changed: std::sync::Condvar,
}

#[derive(Default)]
struct Timer {
    fired: bool,
    cancelled: bool,
    waker: Option<Waker>,
}

pub struct Sleep {
    shared: Arc<TimerState>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.shared.state.lock().unwrap();
        if s.fired {
            Poll::Ready(())
        } else {
            s.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.shared.state.lock().unwrap().cancelled = true;
        self.shared.changed.notify_one();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

/// Runs `fut` with a deadline on any executor; `None` if the deadline won (and `fut` was dropped).
pub async fn timeout<F: Future>(d: Duration, fut: F) -> Option<F::Output> {
    use futures_util::future::{Either, select};
    match select(std::pin::pin!(fut), std::pin::pin!(sleep(d))).await {
        Either::Left((out, _)) => Some(out),
        Either::Right(((), _)) => None,
    }
}

/// The waker calls a [`Bomb`] can panic in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Clone,
    Wake,
    Drop,
}

/// A waker that panics in its `nth` call of one kind (counting from 1, over all its clones), and
/// can run a hook when cloned. It counts its wakes (by value or by reference) like [`Counter`];
/// a wake that panics counts too, since the task was woken before the waker panicked.
pub struct Bomb {
    call: Option<Call>,
    nth: usize,
    calls: [AtomicUsize; 3],
    wakes: AtomicUsize,
    on_clone: std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl Bomb {
    /// A waker that panics in its `nth` call of kind `call`.
    pub fn new(call: Call, nth: usize) -> (Arc<Bomb>, Waker) {
        Self::build(Some(call), nth, None)
    }

    /// A waker that runs `hook` in its first clone, then panics in its `nth` call of kind `call`.
    pub fn with_clone_hook(
        call: Call,
        nth: usize,
        hook: impl FnOnce() + Send + 'static,
    ) -> (Arc<Bomb>, Waker) {
        Self::build(Some(call), nth, Some(Box::new(hook)))
    }

    /// A waker that never panics: only counts.
    pub fn harmless() -> (Arc<Bomb>, Waker) {
        Self::build(None, 0, None)
    }

    fn build(
        call: Option<Call>,
        nth: usize,
        hook: Option<Box<dyn FnOnce() + Send>>,
    ) -> (Arc<Bomb>, Waker) {
        let bomb = Arc::new(Bomb {
            call,
            nth,
            calls: Default::default(),
            wakes: AtomicUsize::new(0),
            on_clone: std::sync::Mutex::new(hook),
        });
        let raw = RawWaker::new(Arc::into_raw(bomb.clone()).cast(), &BOMB_VTABLE);
        // SAFETY: the vtable's functions keep the contract (see below).
        (bomb, unsafe { Waker::from_raw(raw) })
    }

    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }

    /// How many calls of kind `call` were made.
    pub fn calls(&self, call: Call) -> usize {
        self.calls[call as usize].load(Ordering::SeqCst)
    }

    /// Whether the bomb went off.
    pub fn fired(&self) -> bool {
        self.call.is_some_and(|call| self.calls(call) >= self.nth)
    }

    fn tick(&self, call: Call) {
        let n = self.calls[call as usize].fetch_add(1, Ordering::SeqCst) + 1;
        if self.call == Some(call) && n == self.nth {
            panic!("waker {call:?} number {n} panicked");
        }
    }
}

// Each RawWaker owns one strong count of an `Arc<Bomb>`.
static BOMB_VTABLE: RawWakerVTable =
    RawWakerVTable::new(bomb_clone, bomb_wake, bomb_wake_by_ref, bomb_drop);

unsafe fn bomb_clone(p: *const ()) -> RawWaker {
    // SAFETY: `p` came from `Arc::into_raw` and its count is still held by the waker cloned.
    let bomb = unsafe { &*p.cast::<Bomb>() };
    let hook = bomb.on_clone.lock().unwrap().take();
    if let Some(hook) = hook {
        hook();
    }
    bomb.tick(Call::Clone);
    // SAFETY: as above; the new waker owns the new count.
    unsafe { Arc::increment_strong_count(p.cast::<Bomb>()) };
    RawWaker::new(p, &BOMB_VTABLE)
}

unsafe fn bomb_wake(p: *const ()) {
    // SAFETY: the waker is consumed: its count is taken over, and released even by a panic.
    let bomb = unsafe { Arc::from_raw(p.cast::<Bomb>()) };
    bomb.wakes.fetch_add(1, Ordering::SeqCst);
    bomb.tick(Call::Wake);
}

unsafe fn bomb_wake_by_ref(p: *const ()) {
    // SAFETY: the waker is alive and holds its count.
    let bomb = unsafe { &*p.cast::<Bomb>() };
    bomb.wakes.fetch_add(1, Ordering::SeqCst);
    bomb.tick(Call::Wake);
}

unsafe fn bomb_drop(p: *const ()) {
    // SAFETY: the waker is dropped: its count is released, even by a panic.
    let bomb = unsafe { Arc::from_raw(p.cast::<Bomb>()) };
    bomb.tick(Call::Drop);
}
