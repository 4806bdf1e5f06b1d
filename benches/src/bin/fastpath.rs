//! `fastpath WHAT N`: N uncontended acquire+release of one primitive, for counting instructions
//! under callgrind (see `callgrind.sh`). WHAT is one of the names below.

use aiosync_bench::workloads::{sync_lock, uncontended_lock, uncontended_semaphore};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [what, n] = args.as_slice() else {
        eprintln!("usage: fastpath aiosync-lock|aiosync-semaphore|std-mutex|tokio-mutex N");
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect("N is a number");
    match what.as_str() {
        "aiosync-lock" => uncontended_lock::<aiosync::Lock<u64>>(n),
        "aiosync-semaphore" => uncontended_semaphore::<aiosync::Semaphore>(n),
        "std-mutex" => sync_lock::<std::sync::Mutex<u64>>(n),
        "tokio-mutex" => uncontended_lock::<tokio::sync::Mutex<u64>>(n),
        _ => {
            eprintln!("unknown primitive {what}");
            std::process::exit(2);
        }
    };
}
