//! The `compare` workloads under criterion, for following aiosync over time rather than against
//! its peers: `cargo bench -p aiosync-bench -- --save-baseline before`, change something, then
//! `cargo bench -p aiosync-bench -- --baseline before`. A filter selects rows or crates, e.g.
//! `cargo bench -p aiosync-bench -- 'Event set/aiosync'`.

use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn workloads(c: &mut Criterion) {
    for row in aiosync_bench::rows()
        .into_iter()
        .chain(aiosync_bench::queue_rows())
    {
        let mut group = c.benchmark_group(row.name);
        group.throughput(Throughput::Elements(row.ops));
        // One iteration of the heavier workloads takes milliseconds; criterion's default linear
        // sampling would run thousands of them.
        group.sampling_mode(SamplingMode::Flat);
        for (name, bench) in &row.cells {
            group.bench_function(*name, |b| b.iter_custom(&**bench));
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = workloads
}
criterion_main!(benches);
