#!/usr/bin/env bash
# Instructions per operation, counted by callgrind: exact, and unaffected by whatever else the
# machine is running, unlike wall-clock timings. Each workload runs at two operation counts; the
# difference of the totals over the difference of the counts leaves out start-up and set-up.
# Workloads (src/bin/fastpath.rs): uncontended acquire+release, hand-off to one of 10 queued
# acquires, an acquire queued behind 10 and cancelled, one of 10 Event waiters woken, one item
# through the Condition bounded buffer on one thread, an acquire+release that bypasses a queued
# acquire (the bounded policy's path; async-lock's for comparison), one item put into a Queue and
# got again, neither waiting (flume's and async-channel's channels for comparison).
#
# Usage:
#   benches/callgrind.sh [WORKLOAD...]        print a table (default: every workload)
#   benches/callgrind.sh --check FILE         fail if any count in FILE grew by more than 5%
#   benches/callgrind.sh --update FILE        rewrite FILE with the current counts
set -euo pipefail
cd "$(dirname "$0")/.."

mode=table
if [ "${1:-}" = --check ] || [ "${1:-}" = --update ]; then
    mode=${1#--}
    baseline=$2
    shift 2
    if [ $# -eq 0 ] && [ -f "$baseline" ]; then
        set -- $(awk '{ print $1 }' "$baseline")
    fi
fi

if ! command -v valgrind >/dev/null; then
    echo "callgrind.sh needs valgrind (apt-get install valgrind)" >&2
    exit 1
fi
cargo build --release --quiet -p aiosync-bench --bin fastpath
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="$target_dir/release/fastpath"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Total instructions executed by `fastpath $1 $2`.
instructions() {
    valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" "$bin" "$1" "$2" 2>/dev/null >/dev/null
    sed -n 's/^summary: //p' "$out/callgrind.out"
}

# Instructions per operation of workload $1.
per_op() {
    local small=200000 large=1200000
    case "$1" in *-condition) small=40000 large=120000 ;; esac
    local a b
    a=$(instructions "$1" $small)
    b=$(instructions "$1" $large)
    awk -v a="$a" -v b="$b" -v n=$((large - small)) 'BEGIN { printf "%.0f", (b - a) / n }'
}

if [ $# -eq 0 ]; then
    set -- aiosync-lock aiosync-semaphore std-mutex tokio-mutex \
        aiosync-handoff futures-intrusive-handoff aiosync-cancel futures-intrusive-cancel \
        aiosync-event futures-intrusive-event aiosync-condition futures-intrusive-condition \
        aiosync-bypass async-lock-bypass \
        aiosync-queue flume-queue async-channel-queue
fi

case $mode in
table)
    printf '| workload | instructions per operation |\n|---|--:|\n'
    for what in "$@"; do
        printf '| %s | %s |\n' "$what" "$(per_op "$what")"
    done
    ;;
update)
    : >"$baseline.new"
    for what in "$@"; do
        printf '%s %s\n' "$what" "$(per_op "$what")" >>"$baseline.new"
    done
    mv "$baseline.new" "$baseline"
    cat "$baseline"
    ;;
check)
    failed=0
    printf '%-28s %10s %10s %8s\n' workload baseline now change
    while read -r what base; do
        now=$(per_op "$what")
        change=$(awk -v a="$base" -v b="$now" 'BEGIN { printf "%+.1f%%", (b - a) * 100 / a }')
        printf '%-28s %10s %10s %8s\n' "$what" "$base" "$now" "$change"
        if awk -v a="$base" -v b="$now" 'BEGIN { exit !(b > a * 1.05) }'; then
            failed=1
        fi
    done <"$baseline"
    if [ $failed -ne 0 ]; then
        echo "!!! instruction counts grew by more than 5% over $baseline" >&2
        echo "!!! if that is intended, run: benches/callgrind.sh --update $baseline, and commit it" >&2
        exit 1
    fi
    ;;
esac
