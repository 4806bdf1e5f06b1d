//! Graceful shutdown: one Event fans out to many workers. `set` wakes every worker that is
//! waiting at that moment, in the order they started waiting; workers that check later see the
//! flag at once.
//!
//! Run it with `cargo run --example shutdown`.

use std::sync::Arc;
use std::time::Duration;

use aiosync::{Event, Semaphore};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let shutdown = Arc::new(Event::new());
    // Counts workers that have finished cleaning up.
    let finished = Arc::new(Semaphore::new(0));
    let workers: Vec<_> = (0..6)
        .map(|id| {
            let (shutdown, finished) = (shutdown.clone(), finished.clone());
            tokio::spawn(async move {
                let mut jobs = 0;
                loop {
                    tokio::select! {
                        // `wait` is cancel-safe, so racing it against work every round is fine.
                        () = shutdown.wait() => break,
                        () = tokio::time::sleep(Duration::from_millis(5 + id)) => jobs += 1,
                    }
                }
                println!("worker {id} stopping after {jobs} jobs");
                finished.release();
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(40)).await;
    println!(
        "shutdown requested ({} workers waiting on the event right now)",
        shutdown.waiters()
    );
    shutdown.set();
    // All six must report back; acquire_many waits for them as one request.
    finished.acquire_many(6).await.forget();
    for w in workers {
        w.await.unwrap();
    }
    println!("all workers stopped");
}
