//! Runs every workload on every crate in one process and prints one markdown table of median
//! nanoseconds per operation.
//!
//! Usage: `compare [--quick] [FILTER]`. `--quick` (or `AIOSYNC_BENCH_QUICK=1`) takes fewer and
//! shorter samples, for CI; FILTER keeps the rows whose name contains it.
//!
//! The machine may be shared, so crates are measured round-robin within a row (each repetition
//! runs every crate once) and the median is kept: a burst of outside load hits all of them alike
//! instead of one crate's whole run.
//!
//! For the rows that run on several worker threads, a second table gives the process's CPU time
//! divided by the wall time over the same samples: near 2 the two workers ran at once, near 1 they
//! mostly took turns (one core busy elsewhere, or a primitive that keeps one worker parked), and
//! the row then says little about contention between cores; below 1, other processes held the
//! cores for part of the time.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use aiosync_bench::peers::{AsyncMutex, BoundedLock};
use aiosync_bench::workloads::{
    Acquired, CONTENDED_ITERS, CONTENDED_TASKS, contended_lock_fairness,
};
use aiosync_bench::{Bench, CRATES, FIFO_PEERS, PEERS, QUEUE_CRATES, Row, queue_rows, rows};

struct Settings {
    /// Time one sample should take, over which the iteration count is fixed.
    sample: Duration,
    repetitions: usize,
}

fn main() {
    let mut quick = std::env::var_os("AIOSYNC_BENCH_QUICK").is_some_and(|v| v != "0");
    let mut filter = String::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            _ if !arg.starts_with('-') && filter.is_empty() => filter = arg,
            _ => {
                eprintln!("usage: compare [--quick] [FILTER]");
                std::process::exit(2);
            }
        }
    }
    let settings = if quick {
        Settings {
            sample: Duration::from_millis(4),
            repetitions: 3,
        }
    } else {
        Settings {
            sample: Duration::from_millis(40),
            repetitions: 11,
        }
    };

    let results: Vec<(Row, Measured)> = rows()
        .into_iter()
        .filter(|row| row.name.contains(&filter))
        .map(|row| {
            eprintln!("running: {}", row.name);
            let measured = measure_row(&row, &settings, &CRATES);
            (row, measured)
        })
        .collect();
    let queue_results: Vec<(Row, Measured)> = queue_rows()
        .into_iter()
        .filter(|row| row.name.contains(&filter))
        .map(|row| {
            eprintln!("running: {}", row.name);
            let measured = measure_row(&row, &settings, &QUEUE_CRATES);
            (row, measured)
        })
        .collect();

    println!(
        "Median ns per operation of {} samples of about {} ms each; lower is better.\n",
        settings.repetitions,
        settings.sample.as_millis()
    );
    print!("| workload | per |");
    for name in CRATES {
        print!(" {name} |");
    }
    println!(" aiosync ÷ best peer | aiosync ÷ std |");
    println!("|---|---|{}---|---|", "--:|".repeat(CRATES.len()));
    for (row, Measured { medians, .. }) in &results {
        print!("| {} | {} |", row.name, row.unit);
        for median in medians {
            match median {
                Some(ns) => print!(" {} |", format_ns(*ns)),
                None => print!(" — |"),
            }
        }
        let of = |name: &str| medians[CRATES.iter().position(|c| *c == name).expect("a column")];
        let aiosync = of("aiosync").expect("aiosync runs every workload");
        let best = PEERS
            .iter()
            .filter_map(|&p| Some((p, of(p)?)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("every workload has a peer");
        print!(" {:.2} ({}) |", aiosync / best.1, best.0);
        match of("std") {
            Some(std) => println!(" {:.2} |", aiosync / std),
            None => println!(" |"),
        }
    }
    println!(
        "\nFIFO peers (a release goes to the oldest waiter, no barging): {}.",
        FIFO_PEERS.join(", ")
    );
    print_cpu_per_wall(&results);
    print_bounded_against_async_lock(&results);
    print_queues(&queue_results);
    if "fairness".contains(&filter) {
        print_fairness(if quick { 1 } else { 5 });
    }
}

/// The Queue rows, against the channels: a table of their own columns.
fn print_queues(results: &[(Row, Measured)]) {
    if results.is_empty() {
        return;
    }
    println!(
        "\nQueue against channels (tokio's `mpsc` only where one consumer fits), median ns per \
         item or cancel:\n"
    );
    print!("| workload | per |");
    for name in QUEUE_CRATES {
        print!(" {name} |");
    }
    println!(" aiosync ÷ best peer | process CPU ÷ wall |");
    println!("|---|---|{}---|--:|", "--:|".repeat(QUEUE_CRATES.len()));
    for (row, measured) in results {
        print!("| {} | {} |", row.name, row.unit);
        for median in &measured.medians {
            match median {
                Some(ns) => print!(" {} |", format_ns(*ns)),
                None => print!(" — |"),
            }
        }
        let aiosync = measured.medians[0].expect("aiosync runs every workload");
        let best = QUEUE_CRATES[1..]
            .iter()
            .zip(&measured.medians[1..])
            .filter_map(|(p, m)| Some((p, (*m)?)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("every workload has a peer");
        print!(" {:.2} ({}) |", aiosync / best.1, best.0);
        match measured.row_cpu_per_wall {
            Some(ratio) if row.workers > 1 => println!(" {ratio:.2} |"),
            _ => println!(" |"),
        }
    }
}

/// The bounded policy's rows against async-lock, the peer whose Mutex and Semaphore barge.
fn print_bounded_against_async_lock(results: &[(Row, Measured)]) {
    let of = |m: &Measured, name: &str| m.medians[CRATES.iter().position(|c| *c == name)?];
    let rows: Vec<_> = results
        .iter()
        .filter(|(r, _)| r.workers > 1 || r.name.contains("ping-pong"))
        .filter_map(|(r, m)| {
            Some((
                r,
                of(m, "aiosync-bounded")?,
                of(m, "async-lock")?,
                of(m, "aiosync")?,
            ))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    println!(
        "\nContended rows, aiosync-bounded (`Fairness::BOUNDED`) against async-lock and FIFO aiosync:\n"
    );
    println!("| workload | aiosync-bounded ÷ async-lock | aiosync-bounded ÷ aiosync |");
    println!("|---|--:|--:|");
    for (row, bounded, async_lock, fifo) in rows {
        println!(
            "| {} | {:.2} | {:.2} |",
            row.name,
            bounded / async_lock,
            bounded / fifo
        );
    }
}

/// The instrumented 64-task Lock workload, `runs` times per lock: how far each acquire was
/// overtaken, and how long it waited.
fn print_fairness(runs: usize) {
    type Run = fn() -> (Vec<Acquired>, std::time::Duration);
    fn run<M: AsyncMutex>() -> (Vec<Acquired>, std::time::Duration) {
        contended_lock_fairness::<M>()
    }
    let locks: [(&str, Run); 6] = [
        ("aiosync (FIFO)", run::<aiosync::Lock<u64>>),
        ("aiosync Bounded(16)", run::<BoundedLock<16>>),
        ("aiosync Bounded(256)", run::<BoundedLock<256>>),
        ("aiosync BOUNDED (1024)", run::<BoundedLock<1024>>),
        ("async-lock", run::<async_lock::Mutex<u64>>),
        ("tokio", run::<tokio::sync::Mutex<u64>>),
    ];
    eprintln!("running: fairness, {runs} runs per lock");
    // Round-robin, as for the table, so that outside load hits every lock alike.
    let mut all: Vec<(Vec<Acquired>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); locks.len()];
    for _ in 0..runs {
        for ((_, f), (acquired, per_op)) in locks.iter().zip(&mut all) {
            let (seen, took) = f();
            per_op.push(took.as_secs_f64() * 1e9 / (CONTENDED_TASKS * CONTENDED_ITERS) as f64);
            acquired.extend(seen);
        }
    }
    println!(
        "\nFairness under the 64-task Lock load ({runs} runs of {} acquires each, instrumented): \
         how many later acquires completed before an acquire (overtaken), how many of those \
         started after it was queued (bypassed: each took the lock ahead of a queued acquire), \
         and how long it waited.\n",
        CONTENDED_TASKS * CONTENDED_ITERS
    );
    println!(
        "| lock | ns per acquire (median run) | overtaken, worst | bypassed, worst \
         | bypassed, p99.9 | bypassed, p99 | wait p50 | wait p99 | wait p99.9 | wait, worst |"
    );
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for ((name, _), (acquired, per_op)) in locks.iter().zip(&mut all) {
        per_op.sort_by(f64::total_cmp);
        let overtaken = acquired.iter().map(|a| a.overtaken).max().unwrap_or(0);
        let mut bypassed: Vec<u64> = acquired.iter().map(|a| a.bypassed).collect();
        let mut waits: Vec<f64> = acquired
            .iter()
            .map(|a| a.wait.as_secs_f64() * 1e6)
            .collect();
        bypassed.sort_unstable();
        waits.sort_by(f64::total_cmp);
        let at = |q: f64| ((waits.len() - 1) as f64 * q) as usize;
        println!(
            "| {name} | {} | {overtaken} | {} | {} | {} | {:.1} µs | {:.1} µs | {:.1} µs | {:.1} µs |",
            format_ns(per_op[per_op.len() / 2]),
            bypassed[bypassed.len() - 1],
            bypassed[at(0.999)],
            bypassed[at(0.99)],
            waits[at(0.5)],
            waits[at(0.99)],
            waits[at(0.999)],
            waits[waits.len() - 1],
        );
    }
}

/// The second table: CPU time ÷ wall time of each multi-threaded row, per crate and for the
/// whole row, in the columns of the crates that have such a row.
fn print_cpu_per_wall(results: &[(Row, Measured)]) {
    let threaded: Vec<&(Row, Measured)> = results.iter().filter(|(r, _)| r.workers > 1).collect();
    if threaded.is_empty() {
        return;
    }
    if threaded.iter().all(|(_, m)| m.row_cpu_per_wall.is_none()) {
        println!("\n(CPU time ÷ wall time is not measured on this platform.)");
        return;
    }
    let columns: Vec<usize> = (0..CRATES.len())
        .filter(|&i| threaded.iter().any(|(_, m)| m.cpu_per_wall[i].is_some()))
        .collect();
    println!(
        "\nProcess CPU time ÷ wall time over the samples of each multi-threaded row: \
         the worker count if the workers ran at once throughout, 1 if they took turns, \
         below 1 if other processes held the cores.\n"
    );
    print!("| workload | workers |");
    for &i in &columns {
        print!(" {} |", CRATES[i]);
    }
    println!(" whole row |");
    println!("|---|--:|{}--:|", "--:|".repeat(columns.len()));
    for (row, measured) in threaded {
        print!("| {} | {} |", row.name, row.workers);
        for &i in &columns {
            match measured.cpu_per_wall[i] {
                Some(ratio) => print!(" {ratio:.2} |"),
                None => print!(" — |"),
            }
        }
        match measured.row_cpu_per_wall {
            Some(ratio) => println!(" {ratio:.2} |"),
            None => println!(" — |"),
        }
    }
}

/// What `measure_row` found, each `Vec` in column order.
struct Measured {
    /// Median time per operation of each crate in the row.
    medians: Vec<Option<f64>>,
    /// Process CPU time ÷ wall time over each crate's samples.
    cpu_per_wall: Vec<Option<f64>>,
    /// The same over all the row's samples.
    row_cpu_per_wall: Option<f64>,
}

/// Runs the row's samples. The CPU and wall clocks are read around each whole sample, so they also
/// cover the set-up that the sample's own timing leaves out (building the runtime, spawning).
fn measure_row(row: &Row, settings: &Settings, columns: &[&str]) -> Measured {
    // Per cell: the iteration count, or None once the crate got stuck.
    let mut iters: Vec<Option<u64>> = row
        .cells
        .iter()
        .map(|(name, bench)| calibrate(bench, settings.sample).or_else(|| stuck(row, name)))
        .collect();
    let mut samples = vec![Vec::new(); row.cells.len()];
    // Per cell: CPU time (None once a reading failed) and wall time.
    let mut clocks = vec![(Some(Duration::ZERO), Duration::ZERO); row.cells.len()];
    for _ in 0..settings.repetitions {
        for ((((name, bench), n), samples), (cpu, wall)) in row
            .cells
            .iter()
            .zip(&mut iters)
            .zip(&mut samples)
            .zip(&mut clocks)
        {
            let Some(count) = *n else { continue };
            let cpu_before = process_cpu_time();
            let wall_before = Instant::now();
            let Some(took) = run(bench, count) else {
                *n = stuck(row, name);
                continue;
            };
            *wall += wall_before.elapsed();
            *cpu = match (*cpu, cpu_before, process_cpu_time()) {
                (Some(sum), Some(before), Some(after)) => Some(sum + after.saturating_sub(before)),
                _ => None,
            };
            samples.push(took.as_secs_f64() * 1e9 / (count * row.ops) as f64);
        }
    }
    let ratio = |cpu: Duration, wall: Duration| cpu.as_secs_f64() / wall.as_secs_f64();
    let column = |name: &str| row.cells.iter().position(|(c, _)| *c == name);
    let medians = columns
        .iter()
        .map(|name| {
            let i = column(name)?;
            if iters[i].is_none() {
                return Some(f64::INFINITY);
            }
            let samples = &mut samples[i];
            samples.sort_by(f64::total_cmp);
            Some(samples[samples.len() / 2])
        })
        .collect();
    let cpu_per_wall = columns
        .iter()
        .map(|name| {
            let i = column(name)?;
            let (cpu, wall) = clocks[i];
            iters[i]?;
            Some(ratio(cpu?, wall))
        })
        .collect();
    let row_cpu_per_wall = clocks
        .iter()
        .try_fold((Duration::ZERO, Duration::ZERO), |(cpu, wall), (c, w)| {
            Some((cpu + (*c)?, wall + *w))
        })
        .map(|(cpu, wall)| ratio(cpu, wall));
    Measured {
        medians,
        cpu_per_wall,
        row_cpu_per_wall,
    }
}

/// How long one call of a workload may take before its crate is taken for stuck.
const STALLED: Duration = Duration::from_secs(60);

/// Runs `bench(iters)` on a thread of its own and waits at most [`STALLED`] for it. A crate that
/// loses a wake-up leaves every task parked for good (flume did, in one of five full runs of the
/// MPMC Queue row): its cell then reads "stuck", the thread is left behind, and the run goes on.
fn run(bench: &Bench, iters: u64) -> Option<Duration> {
    let bench = bench.clone();
    let (done, took) = mpsc::channel();
    std::thread::spawn(move || done.send(bench(iters)));
    match took.recv_timeout(STALLED) {
        Ok(took) => Some(took),
        Err(RecvTimeoutError::Timeout) => None,
        Err(RecvTimeoutError::Disconnected) => panic!("a workload panicked"),
    }
}

/// Reports a stuck cell; aiosync's own is a bug and fails the run.
fn stuck(row: &Row, name: &str) -> Option<u64> {
    let message = format!(
        "{name} made no progress on \"{}\" for {} s: a lost wake-up, every task parked",
        row.name,
        STALLED.as_secs()
    );
    assert!(!name.starts_with("aiosync"), "{message}");
    eprintln!("compare: {message}; its cell reads \"stuck\"");
    None
}

/// User plus system CPU time of the whole process so far, all threads included.
#[cfg(unix)]
fn process_cpu_time() -> Option<Duration> {
    // SAFETY: `rusage` is a plain C struct of integers, for which all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer is to a live, writable `rusage`, which is all `getrusage` writes to.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Some(time(usage.ru_utime) + time(usage.ru_stime))
}

#[cfg(not(unix))]
fn process_cpu_time() -> Option<Duration> {
    None
}

/// The number of iterations whose measured part takes about `sample`. Also warms up.
fn calibrate(bench: &Bench, sample: Duration) -> Option<u64> {
    let mut iters = 1;
    loop {
        let took = run(bench, iters)?;
        if took >= sample / 10 {
            let scaled = iters as f64 * sample.as_secs_f64() / took.as_secs_f64();
            return Some((scaled.ceil() as u64).max(1));
        }
        iters *= 10;
    }
}

fn format_ns(ns: f64) -> String {
    if ns.is_infinite() {
        "stuck".to_owned()
    } else if ns < 100.0 {
        format!("{ns:.1}")
    } else {
        format!("{ns:.0}")
    }
}
