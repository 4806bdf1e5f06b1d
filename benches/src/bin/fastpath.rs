//! `fastpath WHAT N`: N uncontended acquire+release of one primitive (or N hand-offs of a lock
//! with 10 acquires queued), for counting instructions under callgrind (see `callgrind.sh`).
//! WHAT is one of the names below.

use aiosync_bench::workloads::{
    queued_hand_off, sync_lock, uncontended_lock, uncontended_semaphore,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [what, n] = args.as_slice() else {
        eprintln!(
            "usage: fastpath aiosync-lock|aiosync-semaphore|std-mutex|tokio-mutex|aiosync-lock-handoff|futures-intrusive-lock-handoff N"
        );
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect("N is a number");
    match what.as_str() {
        "aiosync-lock" => uncontended_lock::<aiosync::Lock<u64>>(n),
        "aiosync-semaphore" => uncontended_semaphore::<aiosync::Semaphore>(n),
        "std-mutex" => sync_lock::<std::sync::Mutex<u64>>(n),
        "tokio-mutex" => uncontended_lock::<tokio::sync::Mutex<u64>>(n),
        "aiosync-lock-handoff" => queued_hand_off::<aiosync::Lock<u64>>(10, n),
        "futures-intrusive-lock-handoff" => {
            queued_hand_off::<futures_intrusive::sync::Mutex<u64>>(10, n)
        }
        _ => {
            eprintln!("unknown primitive {what}");
            std::process::exit(2);
        }
    };
}
