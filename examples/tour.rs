//! A tour of all six primitives in one small program: a batch of downloads that wait for a
//! start signal (Event), run at most two at a time (Semaphore), share one mirror token whose
//! over-release is refused (BoundedSemaphore), record progress under a Lock, meet before one of
//! them verifies the batch (Barrier), and let the main task wait until all are done (Condition).
//!
//! Run it with `cargo run --example tour`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aiosync::{Barrier, BoundedSemaphore, Condition, Event, Lock, Semaphore};

struct Progress {
    running: usize,
    max_running: usize,
    finished: Vec<&'static str>,
}

struct Shared {
    start: Event,
    slots: Semaphore,
    mirror: BoundedSemaphore,
    progress: Lock<Progress>,
    all_done: Condition,
    downloaded: Barrier,
}

const FILES: [&str; 5] = [
    "alpha.tar",
    "beta.iso",
    "gamma.zip",
    "delta.img",
    "epsilon.deb",
];

async fn download(shared: Arc<Shared>, name: &'static str, started: Instant) {
    // asyncio: `await start.wait()`
    shared.start.wait().await;
    // asyncio: `async with slots:`
    let _slot = shared.slots.acquire().await;
    {
        let mut p = shared.progress.acquire().await;
        p.running += 1;
        p.max_running = p.max_running.max(p.running);
        println!(
            "[{:>4} ms] {name:<12} downloading ({} running)",
            started.elapsed().as_millis(),
            p.running
        );
    }
    if name.ends_with(".iso") {
        // Only one download at a time may use the mirror.
        let _mirror = shared.mirror.acquire().await;
        println!(
            "[{:>4} ms] {name:<12} using the mirror",
            started.elapsed().as_millis()
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    shared.progress.acquire().await.running -= 1;
    drop(_slot);

    // asyncio: `if await barrier.wait() == parties - 1:` — one task verifies the whole batch.
    let met = shared
        .downloaded
        .wait()
        .await
        .expect("nobody aborts the barrier");
    if met.is_leader() {
        println!(
            "[{:>4} ms] {name:<12} all {} downloaded; verifying the batch",
            started.elapsed().as_millis(),
            shared.downloaded.parties()
        );
    }

    let mut p = shared.progress.acquire().await;
    p.finished.push(name);
    println!("[{:>4} ms] {name:<12} done", started.elapsed().as_millis());
    // asyncio: `cond.notify_all()` while holding the lock
    shared.all_done.notify_all(&p);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let shared = Arc::new(Shared {
        start: Event::new(),
        slots: Semaphore::new(2),
        mirror: BoundedSemaphore::new(1),
        progress: Lock::new(Progress {
            running: 0,
            max_running: 0,
            finished: Vec::new(),
        }),
        all_done: Condition::new(),
        downloaded: Barrier::new(FILES.len()),
    });
    let started = Instant::now();

    let tasks: Vec<_> = FILES
        .iter()
        .map(|&name| tokio::spawn(download(shared.clone(), name, started)))
        .collect();
    println!(
        "{} downloads queued, waiting for the start signal",
        FILES.len()
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    println!(
        "{} tasks are waiting on the event; setting it",
        shared.start.waiters()
    );
    shared.start.set();

    // asyncio: `async with cond: await cond.wait_for(lambda: len(finished) == 5)`
    let progress = shared
        .all_done
        .wait_for(shared.progress.acquire().await, |p| {
            p.finished.len() == FILES.len()
        })
        .await;
    println!(
        "all {} downloads finished in {} ms, at most {} at a time: {:?}",
        progress.finished.len(),
        started.elapsed().as_millis(),
        progress.max_running,
        progress.finished
    );
    assert!(progress.max_running <= 2);
    drop(progress);
    for task in tasks {
        task.await.unwrap();
    }

    // asyncio's manual style on a BoundedSemaphore: acquire now, release later; one release too
    // many is an error, not a silently raised bound.
    shared.mirror.acquire().await.forget();
    println!(
        "mirror token taken by hand: {} available",
        shared.mirror.available_permits()
    );
    shared.mirror.release().expect("one release is allowed");
    match shared.mirror.release() {
        Ok(()) => unreachable!("the bound is 1"),
        Err(e) => println!("second release refused: {e}"),
    }
}
