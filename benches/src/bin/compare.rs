//! Runs every workload on every crate in one process and prints one markdown table of median
//! nanoseconds per operation.
//!
//! Usage: `compare [--quick] [FILTER]`. `--quick` (or `AIOSYNC_BENCH_QUICK=1`) takes fewer and
//! shorter samples, for CI; FILTER keeps the rows whose name contains it.
//!
//! The machine may be shared, so crates are measured round-robin within a row (each repetition
//! runs every crate once) and the median is kept: a burst of outside load hits all of them alike
//! instead of one crate's whole run.

use std::time::Duration;

use aiosync_bench::{Bench, CRATES, FIFO_PEERS, PEERS, Row, rows};

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

    let results: Vec<(Row, Vec<Option<f64>>)> = rows()
        .into_iter()
        .filter(|row| row.name.contains(&filter))
        .map(|row| {
            eprintln!("running: {}", row.name);
            let medians = measure_row(&row, &settings);
            (row, medians)
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
    for (row, medians) in &results {
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
}

/// The median time per operation of each crate in the row, in column order.
fn measure_row(row: &Row, settings: &Settings) -> Vec<Option<f64>> {
    let iters: Vec<u64> = row
        .cells
        .iter()
        .map(|(_, bench)| calibrate(bench, settings.sample))
        .collect();
    let mut samples = vec![Vec::new(); row.cells.len()];
    for _ in 0..settings.repetitions {
        for (((_, bench), &n), samples) in row.cells.iter().zip(&iters).zip(&mut samples) {
            let per_op = bench(n).as_secs_f64() * 1e9 / (n * row.ops) as f64;
            samples.push(per_op);
        }
    }
    CRATES
        .iter()
        .map(|name| {
            let i = row.cells.iter().position(|(c, _)| c == name)?;
            let samples = &mut samples[i];
            samples.sort_by(f64::total_cmp);
            Some(samples[samples.len() / 2])
        })
        .collect()
}

/// The number of iterations whose measured part takes about `sample`. Also warms up.
fn calibrate(bench: &Bench, sample: Duration) -> u64 {
    let mut iters = 1;
    loop {
        let took = bench(iters);
        if took >= sample / 10 {
            let scaled = iters as f64 * sample.as_secs_f64() / took.as_secs_f64();
            return (scaled.ceil() as u64).max(1);
        }
        iters *= 10;
    }
}

fn format_ns(ns: f64) -> String {
    if ns < 100.0 {
        format!("{ns:.1}")
    } else {
        format!("{ns:.0}")
    }
}
