//! Prints the sizes of aiosync's primitives, guards and futures next to tokio's, as a markdown
//! table. A waiting task's future lives inside the task, so a future's size is memory paid per
//! waiter; the sizes are taken from real, un-awaited futures with `size_of_val`.

use std::mem::{size_of, size_of_val};

fn main() {
    let lock = aiosync::Lock::new(());
    let semaphore = aiosync::Semaphore::new(1);
    let event = aiosync::Event::new();
    let condition = aiosync::Condition::new();
    let mutex = tokio::sync::Mutex::new(());
    let tokio_semaphore = tokio::sync::Semaphore::new(1);
    let notify = tokio::sync::Notify::new();

    let rows = [
        (
            "Lock<()> / Mutex<()>",
            size_of_val(&lock),
            Some(size_of_val(&mutex)),
        ),
        (
            "Semaphore",
            size_of_val(&semaphore),
            Some(size_of_val(&tokio_semaphore)),
        ),
        (
            "BoundedSemaphore",
            size_of::<aiosync::BoundedSemaphore>(),
            None,
        ),
        (
            "Event / Notify",
            size_of_val(&event),
            Some(size_of_val(&notify)),
        ),
        ("Condition", size_of_val(&condition), None),
        (
            "lock guard",
            size_of::<aiosync::LockGuard<'_, ()>>(),
            Some(size_of::<tokio::sync::MutexGuard<'_, ()>>()),
        ),
        (
            "semaphore permit",
            size_of::<aiosync::SemaphorePermit<'_>>(),
            Some(size_of::<tokio::sync::SemaphorePermit<'_>>()),
        ),
        (
            "`acquire()` / `lock()` future",
            size_of_val(&lock.acquire()),
            Some(size_of_val(&mutex.lock())),
        ),
        (
            "semaphore `acquire()` future",
            size_of_val(&semaphore.acquire()),
            Some(size_of_val(&tokio_semaphore.acquire())),
        ),
        (
            "`wait()` / `notified()` future",
            size_of_val(&event.wait()),
            Some(size_of_val(&notify.notified())),
        ),
        (
            "Condition `wait()` future",
            size_of_val(&condition.wait(lock.try_acquire().expect("the lock is free"))),
            None,
        ),
    ];

    println!("| bytes on {} | aiosync | tokio |", std::env::consts::ARCH);
    println!("|---|--:|--:|");
    for (what, ours, theirs) in rows {
        let theirs = theirs.map_or("—".to_string(), |n| n.to_string());
        println!("| {what} | {ours} | {theirs} |");
    }
}
