#!/usr/bin/env bash
# Instructions per uncontended acquire+release (and per hand-off to one of 10 queued acquires),
# counted by callgrind: exact, and unaffected by
# whatever else the machine is running, unlike wall-clock timings. Each primitive runs at two
# iteration counts; the difference of the totals over the difference of the counts leaves out
# process start-up and exit.
# Usage: benches/callgrind.sh [PRIMITIVE...] (default: all; names as in src/bin/fastpath.rs)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    echo "callgrind.sh needs valgrind (apt-get install valgrind)" >&2
    exit 1
fi
cargo build --release --quiet -p aiosync-bench --bin fastpath
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="$target_dir/release/fastpath"

small=200000
large=1200000
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Total instructions executed by `fastpath $1 $2`.
instructions() {
    valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" "$bin" "$1" "$2" 2>/dev/null
    sed -n 's/^summary: //p' "$out/callgrind.out"
}

if [ $# -eq 0 ]; then
    set -- aiosync-lock aiosync-semaphore std-mutex tokio-mutex aiosync-lock-handoff futures-intrusive-lock-handoff
fi
printf '| primitive | instructions per acquire+release (or hand-off) |\n|---|--:|\n'
for what in "$@"; do
    a=$(instructions "$what" $small)
    b=$(instructions "$what" $large)
    printf '| %s | %s |\n' "$what" "$(awk -v a="$a" -v b="$b" -v n=$((large - small)) 'BEGIN { printf "%.2f", (b - a) / n }')"
done
