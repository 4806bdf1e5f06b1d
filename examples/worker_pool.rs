//! The Queue example from asyncio's documentation, in Rust: three workers take "sleep for this
//! long" jobs from a queue, mark each one done, and the main task waits with `join` until all
//! twenty are processed, then stops the workers.
//!
//! asyncio's example cancels the workers, which loop forever; Python 3.13's `shutdown()` is the
//! other way to stop them, and the one used here: a worker's `get` fails once the queue is shut
//! down and empty, so it returns. (Aborting the tasks, the direct translation of `task.cancel()`,
//! works as well: a dropped `get` loses no job.) The times are in milliseconds rather than
//! seconds, so that it runs in a moment.
//!
//! Run it with `cargo run --example worker_pool`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aiosync::Queue;

async fn worker(name: String, queue: Arc<Queue<Duration>>) {
    // Get a "work item" out of the queue, until the queue is shut down.
    while let Ok(sleep_for) = queue.get_tracked().await {
        // Sleep for the "sleep_for" milliseconds.
        tokio::time::sleep(*sleep_for).await;
        // The work item is marked done when `sleep_for` is dropped: asyncio's
        // `queue.task_done()`, which a worker that fails or is cancelled cannot forget.
        println!("{name} has slept for {} ms", sleep_for.as_millis());
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // Create a queue that we will use to store our "workload".
    let queue = Arc::new(Queue::new(0));

    // Generate random timings and put them into the queue.
    let mut random = Xorshift::seeded();
    let mut total_sleep_time = Duration::ZERO;
    for _ in 0..20 {
        let sleep_for = Duration::from_millis(5 + random.next() % 95);
        total_sleep_time += sleep_for;
        queue.put_nowait(sleep_for).unwrap();
    }

    // Create three worker tasks to process the queue concurrently.
    let tasks: Vec<_> = (0..3)
        .map(|i| tokio::spawn(worker(format!("worker-{i}"), queue.clone())))
        .collect();

    // Wait until the queue is fully processed.
    let started_at = Instant::now();
    queue.join().await;
    let total_slept_for = started_at.elapsed();

    // Stop the workers: their gets fail now that the queue is empty and shut down.
    queue.shutdown();
    // Wait until all worker tasks have returned.
    for task in tasks {
        task.await.unwrap();
    }

    println!("====");
    println!(
        "3 workers slept in parallel for {} ms",
        total_slept_for.as_millis()
    );
    println!(
        "total expected sleep time: {} ms",
        total_sleep_time.as_millis()
    );
    assert_eq!(queue.unfinished_tasks(), 0);
}

/// Python's `random.uniform`, near enough, without a dependency.
struct Xorshift(u64);

impl Xorshift {
    fn seeded() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Xorshift(u64::from(nanos) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
