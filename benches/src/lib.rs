//! Benchmarks of aiosync against tokio::sync, async-lock, futures-intrusive, maitake-sync,
//! asyncband and event-listener, with std's and parking_lot's mutexes as the synchronous floor.
//!
//! [`rows`] is the single list of workloads and crates: the criterion benches and the `compare`
//! binary both run it, so they always measure the same thing.

use std::sync::Arc;
use std::time::Duration;

pub mod peers;
pub mod workloads;

use workloads::*;

/// Table columns, in order. `aiosync` is the default (FIFO) policy, `aiosync-bounded` the Lock
/// and Semaphore under `Fairness::BOUNDED`.
pub const CRATES: [&str; 10] = [
    "aiosync",
    "aiosync-bounded",
    "tokio",
    "async-lock",
    "futures-intrusive",
    "maitake-sync",
    "asyncband",
    "event-listener",
    "std",
    "parking_lot",
];

/// The async crates aiosync is ranked against; `std` and `parking_lot` are the floor, not peers.
pub const PEERS: [&str; 6] = [
    "tokio",
    "async-lock",
    "futures-intrusive",
    "maitake-sync",
    "asyncband",
    "event-listener",
];

/// The peers whose Mutex and Semaphore hand a release to the oldest waiter and never let a
/// newcomer barge ahead, as aiosync's do (futures-intrusive in the fair mode it is run in here).
/// async-lock barges; event-listener has no lock.
pub const FIFO_PEERS: [&str; 4] = ["tokio", "futures-intrusive", "maitake-sync", "asyncband"];

/// Runs `iters` iterations and returns the time the measured part took.
pub type Bench = Arc<dyn Fn(u64) -> Duration + Send + Sync>;

/// One workload, run on every crate that has the primitive.
pub struct Row {
    pub name: &'static str,
    /// What one operation is; results are reported per operation.
    pub unit: &'static str,
    /// Operations in one iteration.
    pub ops: u64,
    /// Worker threads the workload runs on; 1 for the current-thread and runtime-free rows.
    pub workers: usize,
    pub cells: Vec<(&'static str, Bench)>,
}

impl Row {
    fn on_workers(self, workers: usize) -> Row {
        Row { workers, ..self }
    }
}

fn row(
    name: &'static str,
    unit: &'static str,
    ops: u64,
    cells: impl IntoIterator<Item = (&'static str, Bench)>,
) -> Row {
    Row {
        name,
        unit,
        ops,
        workers: 1,
        cells: cells.into_iter().collect(),
    }
}

/// The workload `$w` (with `$arg` before the iteration count, if given) for every async mutex.
macro_rules! mutexes {
    ($w:ident $(, $arg:expr)?) => {
        [
            ("aiosync", Arc::new(move |i| $w::<aiosync::Lock<u64>>($($arg,)? i)) as Bench),
            ("aiosync-bounded", Arc::new(move |i| $w::<peers::BoundedLock>($($arg,)? i))),
            ("tokio", Arc::new(move |i| $w::<tokio::sync::Mutex<u64>>($($arg,)? i))),
            ("async-lock", Arc::new(move |i| $w::<async_lock::Mutex<u64>>($($arg,)? i))),
            ("futures-intrusive", Arc::new(move |i| $w::<futures_intrusive::sync::Mutex<u64>>($($arg,)? i))),
            ("maitake-sync", Arc::new(move |i| $w::<maitake_sync::Mutex<u64>>($($arg,)? i))),
            ("asyncband", Arc::new(move |i| $w::<asyncband::mutex::Mutex<u64>>($($arg,)? i))),
        ]
    };
}

macro_rules! semaphores {
    ($w:ident) => {
        [
            ("aiosync", Arc::new($w::<aiosync::Semaphore>) as Bench),
            ("aiosync-bounded", Arc::new($w::<peers::BoundedSemaphore>)),
            ("tokio", Arc::new($w::<tokio::sync::Semaphore>)),
            ("async-lock", Arc::new($w::<async_lock::Semaphore>)),
            (
                "futures-intrusive",
                Arc::new($w::<futures_intrusive::sync::Semaphore>),
            ),
            ("maitake-sync", Arc::new($w::<maitake_sync::Semaphore>)),
            ("asyncband", Arc::new($w::<asyncband::semaphore::Semaphore>)),
        ]
    };
}

/// The same workload on std's and parking_lot's mutexes.
macro_rules! floor {
    ($w:ident) => {
        [
            ("std", Arc::new($w::<std::sync::Mutex<u64>>) as Bench),
            ("parking_lot", Arc::new($w::<parking_lot::Mutex<u64>>)),
        ]
    };
}

fn events(n: usize) -> [(&'static str, Bench); 6] {
    [
        (
            "aiosync",
            Arc::new(move |i| event_wake::<aiosync::Event>(n, i)),
        ),
        (
            "tokio",
            Arc::new(move |i| event_wake::<tokio::sync::Notify>(n, i)),
        ),
        (
            "futures-intrusive",
            Arc::new(move |i| event_wake::<futures_intrusive::sync::ManualResetEvent>(n, i)),
        ),
        (
            "maitake-sync",
            Arc::new(move |i| event_wake::<maitake_sync::WaitQueue>(n, i)),
        ),
        (
            "asyncband",
            Arc::new(move |i| event_wake::<asyncband::event::ManualResetEvent>(n, i)),
        ),
        (
            "event-listener",
            Arc::new(move |i| event_wake::<event_listener::Event>(n, i)),
        ),
    ]
}

fn buffers(workers: usize) -> [(&'static str, Bench); 6] {
    use peers::*;
    [
        (
            "aiosync",
            Arc::new(move |i| bounded_buffer::<AiosyncBuffer>(workers, i)),
        ),
        (
            "tokio",
            Arc::new(move |i| bounded_buffer::<TokioBuffer>(workers, i)),
        ),
        (
            "async-lock",
            Arc::new(move |i| bounded_buffer::<AsyncLockBuffer>(workers, i)),
        ),
        (
            "futures-intrusive",
            Arc::new(move |i| bounded_buffer::<FuturesIntrusiveBuffer>(workers, i)),
        ),
        (
            "maitake-sync",
            Arc::new(move |i| bounded_buffer::<MaitakeBuffer>(workers, i)),
        ),
        (
            "asyncband",
            Arc::new(move |i| bounded_buffer::<AsyncbandBuffer>(workers, i)),
        ),
    ]
}

/// futures-intrusive, maitake-sync and event-listener have no barrier.
fn barriers(workers: usize) -> [(&'static str, Bench); 4] {
    [
        (
            "aiosync",
            Arc::new(move |i| barrier_rounds::<aiosync::Barrier>(workers, i)),
        ),
        (
            "tokio",
            Arc::new(move |i| barrier_rounds::<tokio::sync::Barrier>(workers, i)),
        ),
        (
            "async-lock",
            Arc::new(move |i| barrier_rounds::<async_lock::Barrier>(workers, i)),
        ),
        (
            "asyncband",
            Arc::new(move |i| barrier_rounds::<asyncband::barrier::Barrier>(workers, i)),
        ),
    ]
}

/// Every workload, in table order.
pub fn rows() -> Vec<Row> {
    let op = "acquire+release";
    vec![
        row(
            "Lock, uncontended",
            op,
            1,
            mutexes!(uncontended_lock)
                .into_iter()
                .chain(floor!(sync_lock)),
        ),
        row(
            "Lock, try_acquire",
            op,
            1,
            mutexes!(try_lock).into_iter().chain(floor!(sync_try_lock)),
        ),
        row(
            "Semaphore, uncontended",
            op,
            1,
            semaphores!(uncontended_semaphore)
                .into_iter()
                .chain(floor!(sync_lock)),
        ),
        row(
            "Semaphore, try_acquire",
            op,
            1,
            semaphores!(try_semaphore)
                .into_iter()
                .chain(floor!(sync_try_lock)),
        ),
        row(
            "Lock, 64 tasks x 2,000, 2 workers",
            op,
            CONTENDED_TASKS * CONTENDED_ITERS,
            mutexes!(contended_lock),
        )
        .on_workers(CONTENDED_WORKERS),
        row(
            "Lock held 2 µs, 2 threads x 1 task, own runtimes",
            op,
            2 * OWN_RUNTIMES_ITERS,
            mutexes!(own_runtimes),
        )
        .on_workers(2),
        row(
            "Lock, 2 tasks ping-pong, 1 thread",
            "hand-off",
            2 * PING_PONG_ROUNDS,
            mutexes!(ping_pong),
        ),
        row(
            "Semaphore(4) + yield, 64 tasks x 1,000",
            op,
            CONTENDED_TASKS * SEMAPHORE_ITERS,
            semaphores!(contended_semaphore),
        )
        .on_workers(CONTENDED_WORKERS),
        row("Event set, 10 waiters", "waiter woken", 10, events(10)),
        row(
            "Event set, 1,000 waiters",
            "waiter woken",
            1_000,
            events(1_000),
        ),
        row(
            "Event set, 100,000 waiters",
            "waiter woken",
            100_000,
            events(100_000),
        ),
        row(
            "Condition bounded buffer, 2+2 tasks, 1 thread",
            "item",
            2 * BUFFER_ITEMS,
            buffers(1),
        ),
        row(
            "Condition bounded buffer, 2+2 tasks, 2 workers",
            "item",
            2 * BUFFER_ITEMS,
            buffers(CONTENDED_WORKERS),
        )
        .on_workers(CONTENDED_WORKERS),
        row(
            "Barrier, 16 tasks x 1,000 rounds, 1 thread",
            "wait",
            BARRIER_TASKS as u64 * BARRIER_ROUNDS,
            barriers(1),
        ),
        row(
            "Barrier, 16 tasks x 1,000 rounds, 2 workers",
            "wait",
            BARRIER_TASKS as u64 * BARRIER_ROUNDS,
            barriers(CONTENDED_WORKERS),
        )
        .on_workers(CONTENDED_WORKERS),
        row(
            "Lock hand-off, 10 queued",
            "hand-off",
            1,
            mutexes!(queued_hand_off, 10),
        ),
        row(
            "Lock hand-off, 100,000 queued",
            "hand-off",
            1,
            mutexes!(queued_hand_off, 100_000),
        ),
        row(
            "Cancel 50,000 of 100,000 queued",
            "cancel",
            CHURN_CANCELLED as u64,
            mutexes!(cancel_churn),
        ),
    ]
}

/// The Queue table's columns: aiosync's `Queue` and the channels used in its place.
pub const QUEUE_CRATES: [&str; 4] = ["aiosync", "tokio", "async-channel", "flume"];

/// The cancellations timed for flume, whose dropped receive scans its wait list: the first
/// 1,000 of the 50,000, as the whole run takes it minutes.
pub const FLUME_CANCELLED: usize = 1_000;

/// The Queue workloads, against tokio's `mpsc` where one consumer fits, async-channel and
/// flume: a table of their own, since these peers are channels rather than primitives.
pub fn queue_rows() -> Vec<Row> {
    use peers::{AiosyncQueue, AsyncChannel, Flume, TokioMpsc};
    vec![
        row(
            "Queue, MPMC bounded(16), 4+4 tasks, 2 workers",
            "item",
            QUEUE_MPMC_TASKS as u64 * QUEUE_MPMC_ITEMS,
            [
                ("aiosync", Arc::new(queue_mpmc::<AiosyncQueue>) as Bench),
                ("async-channel", Arc::new(queue_mpmc::<AsyncChannel>)),
                ("flume", Arc::new(queue_mpmc::<Flume>)),
            ],
        )
        .on_workers(CONTENDED_WORKERS),
        row(
            "Queue, SPSC bounded(1024), 1 thread",
            "item",
            QUEUE_SPSC_ITEMS,
            [
                ("aiosync", Arc::new(queue_spsc::<AiosyncQueue>) as Bench),
                ("tokio", Arc::new(queue_spsc::<TokioMpsc>)),
                ("async-channel", Arc::new(queue_spsc::<AsyncChannel>)),
                ("flume", Arc::new(queue_spsc::<Flume>)),
            ],
        ),
        Row {
            name: "Queue, cancel 50,000 of 100,000 parked gets",
            unit: "cancel",
            ops: CHURN_CANCELLED as u64,
            workers: 1,
            cells: vec![
                (
                    "aiosync",
                    Arc::new(|i| queue_cancel::<AiosyncQueue>(CHURN_CANCELLED, i)),
                ),
                (
                    "async-channel",
                    Arc::new(|i| queue_cancel::<AsyncChannel>(CHURN_CANCELLED, i)),
                ),
                // Fewer operations in the same iteration: `ops` is per row, so flume's time is
                // scaled to the row's count here.
                (
                    "flume",
                    Arc::new(|i| {
                        queue_cancel::<Flume>(FLUME_CANCELLED, i)
                            * (CHURN_CANCELLED / FLUME_CANCELLED) as u32
                    }),
                ),
            ],
        },
    ]
}
