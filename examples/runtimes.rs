//! The same code on three executors: tokio, async-executor (smol's) and futures' thread pool.
//! aiosync depends on no runtime: its futures need only `std::task::Waker`.
//!
//! Run it with `cargo run --example runtimes`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aiosync::{Condition, Event, Lock, Semaphore};
use futures_util::future::{FutureExt, join_all};

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Eight tasks start together on an Event, at most two work at once (Semaphore), each appends to
/// a shared log (Lock), and the last one to finish notifies the waiting main task (Condition).
async fn workload(name: &str, spawn: impl Fn(Task)) {
    let start = Arc::new(Event::new());
    let slots = Arc::new(Semaphore::new(2));
    let log = Arc::new(Lock::new(Vec::new()));
    let done = Arc::new(Condition::new());
    let mut handles = Vec::new();
    for id in 0..8 {
        let (start, slots, log, done) = (start.clone(), slots.clone(), log.clone(), done.clone());
        let (task, handle) = async move {
            start.wait().await;
            let _slot = slots.acquire().await;
            let mut log = log.acquire().await;
            log.push(id);
            if log.len() == 8 {
                done.notify_all(&log);
            }
        }
        .remote_handle();
        spawn(Box::pin(task));
        handles.push(handle);
    }
    let log_guard = log.acquire().await;
    start.set();
    let log_guard = done.wait_for(log_guard, |l| l.len() == 8).await;
    println!("{name:>14}: all 8 tasks ran, in order {:?}", *log_guard);
    drop(log_guard);
    join_all(handles).await;
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(workload("tokio", |t| drop(tokio::spawn(t))));

    let ex = Arc::new(async_executor::Executor::new());
    // Two threads run the executor; they idle once the workload is done, until the process exits.
    for _ in 0..2 {
        let ex = ex.clone();
        std::thread::spawn(move || {
            futures_executor::block_on(ex.run(std::future::pending::<()>()))
        });
    }
    futures_executor::block_on(workload("async-executor", |t| ex.spawn(t).detach()));

    let pool = futures_executor::ThreadPool::new().unwrap();
    futures_executor::block_on(workload("futures pool", |t| pool.spawn_ok(t)));
}
