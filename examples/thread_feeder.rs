//! A thread feeding async tasks through a bounded Queue: the bridge Python users install the
//! `janus` package for. The thread reads "jobs" (here, lines of a made-up log) and hands them
//! over with `put_blocking`, which parks the thread while the queue is full; async workers take
//! them with `get`, in the same line, so the thread never outruns the workers by more than the
//! queue's bound. When the input ends, the thread waits with `join_blocking` until every job is
//! processed, and shuts the queue down to stop the workers.
//!
//! Run it with `cargo run --example thread_feeder`.

use std::sync::Arc;
use std::time::Duration;

use aiosync::Queue;

fn main() {
    let queue = Arc::new(Queue::new(4));

    // The synchronous side: any thread, no runtime.
    let feeder = {
        let queue = queue.clone();
        std::thread::spawn(move || {
            let mut waited = 0;
            for n in 0..40 {
                let line = format!("GET /item/{n} 200");
                if queue.full() {
                    waited += 1;
                }
                // Parks this thread while four jobs are waiting.
                queue
                    .put_blocking(line)
                    .expect("shut down only by this thread");
            }
            // Every line handed over: wait until the workers have processed them all.
            queue.join_blocking();
            queue.shutdown();
            waited
        })
    };

    // The async side.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let processed = runtime.block_on(async {
        let workers: Vec<_> = (0..3)
            .map(|id| {
                let queue = queue.clone();
                tokio::spawn(async move {
                    let mut processed = 0;
                    // Each job is marked done when dropped, at the end of the loop body.
                    while let Ok(line) = queue.get_tracked().await {
                        tokio::time::sleep(Duration::from_millis(2)).await; // the "work"
                        assert!(line.ends_with(" 200"));
                        processed += 1;
                    }
                    println!("worker {id} processed {processed} lines");
                    processed
                })
            })
            .collect();
        let mut total = 0;
        for w in workers {
            total += w.await.unwrap();
        }
        total
    });

    let waited = feeder.join().unwrap();
    println!("the feeder found the queue full {waited} times of 40 and waited");
    assert_eq!(processed, 40);
}
