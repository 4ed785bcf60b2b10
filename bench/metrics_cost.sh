#!/usr/bin/env bash
# bench/metrics_cost.sh: what the per-task metrics counters cost a source and
# a sink, as worker CPU seconds per million records (user+system from /proc,
# so a shared machine changes the figure little), and records/s.
#
#   bench/metrics_cost.sh LABEL=BINARY[,key=value...] ...
#
# Each argument is a variant: a Release tributary binary and worker
# properties for it, e.g.
#   head-on=build-rel/tributary,tributary.metrics.enable=true
#   head-off=build-rel/tributary,tributary.metrics.enable=false
#   before=/path/to/tributary-built-at-8ec6709^
# Per round (BENCH_RUNS rounds after one unrecorded warm-up round), every
# variant runs once, in turn, so drift in the machine's load spreads over all
# of them:
#   source: bench/source_datagen.sh with BENCH_SOURCE_SCENARIOS=datagen
#           (DataGen "orders" -> AvroConverter -> Kafka, tasks.max=2);
#   sink:   bench/sink_pg.sh with BENCH_SINK_SYSTEMS=tributary,
#           BENCH_SINK_MODES=insert (Avro orders -> PostgresSink COPY,
#           tasks.max=2).
# Both with BENCH_RECORDS (default 1,000,000). Writes
# $BENCH_OUT/metrics_cost.md (median (min–max) per variant, and each
# variant's median against the first variant's) and metrics_cost.tsv.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init metrics_cost
[ $# -gt 0 ] || bench_die "usage: bench/metrics_cost.sh LABEL=BINARY[,key=value...] ..."
N=${BENCH_RECORDS:-1000000}
export BENCH_RECORDS=$N
OUT=$BENCH_OUT
RAW=$OUT/metrics_cost.tsv
MD=$OUT/metrics_cost.md
: >"$RAW"
LABELS=()
for v in "$@"; do
    label=${v%%=*}; rest=${v#*=}
    bin=${rest%%,*}
    [ -x "$bin" ] || bench_die "$label: $bin is not executable"
    LABELS+=("$label")
done

# one VARIANT RUN: source then sink, one run each; appends to $RAW
one() {
    local v=$1 run=$2 label rest bin props o
    label=${v%%=*}; rest=${v#*=}; bin=${rest%%,*}
    props=""; [ "$rest" != "$bin" ] && props=${rest#*,}
    o=$OUT/$label/$run
    mkdir -p "$o"
    local common=(env BENCH_OUT="$o" BENCH_RUNS=1 BENCH_WARMUP=0 TRIBUTARY_BIN="$bin"
                  TRIBUTARY_VERSION_INFO="$label" BENCH_TRIBUTARY_PROPS="${props//,/ }")
    "${common[@]}" BENCH_SOURCE_SCENARIOS=datagen "$BENCH_DIR/source_datagen.sh" >/dev/null || bench_log "$label run $run: source failed"
    "${common[@]}" BENCH_SINK_SYSTEMS=tributary BENCH_SINK_MODES=insert "$BENCH_DIR/sink_pg.sh" >/dev/null || bench_log "$label run $run: sink failed"
    local src snk
    src=$(awk -F'\t' '$1 == "datagen/tributary" && $5 == "ok" { print $3 "\t" $4 }' "$o/source.tsv" 2>/dev/null)
    snk=$(awk -F'\t' '$1 == "tributary/insert" && $8 == "ok" { print $3 "\t" $5 }' "$o/sink_pg.tsv" 2>/dev/null)
    bench_log "$label run $run: source rate/cpu ${src:-failed}; sink rate/cpu ${snk:-failed}"
    [ "$run" = warm-up ] && return 0
    [ -n "$src" ] && bench_raw_append "$RAW" "source/$label" "$run" "$src"
    [ -n "$snk" ] && bench_raw_append "$RAW" "sink/$label" "$run" "$snk"
    return 0
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for v in "$@"; do one "$v" warm-up; done
for run in $(seq "$BENCH_RUNS"); do
    for v in "$@"; do one "$v" "$run"; done
done

col() { bench_raw_col "$RAW" "$1" "$2"; }
cell() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" "${3:-0}" || echo "n/a"; }
med() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_median "${v[@]}"; return 0; }
pct() { # pct A B: (A - B) / B in %, signed
    if [ -z "$1" ] || [ -z "$2" ]; then echo "n/a"; return; fi
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%\n", (a - b) * 100 / b }'
}
{
    echo "$N records per run; median (min–max) of $BENCH_RUNS rounds after one unrecorded warm-up round; in each round every variant ran once, in turn. Worker CPU = the worker's user+system seconds per million records (from connector creation to the last record). Load average (1, 5, 15 min) $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end: the machine is shared with other engineers' builds and tests (the runs themselves at nice -20)."
    echo
    bench_row "variant" "source records/s" "source worker CPU s / M" "CPU vs ${LABELS[0]}" "sink records/s" "sink worker CPU s / M" "CPU vs ${LABELS[0]}"
    bench_row "---" "---:" "---:" "---:" "---:" "---:" "---:"
    for l in "${LABELS[@]}"; do
        bench_row "$l" "$(cell "source/$l" 3)" "$(cell "source/$l" 4 2)" "$(pct "$(med "source/$l" 4)" "$(med "source/${LABELS[0]}" 4)")" \
            "$(cell "sink/$l" 3)" "$(cell "sink/$l" 4 2)" "$(pct "$(med "sink/$l" 4)" "$(med "sink/${LABELS[0]}" 4)")"
    done
} >"$MD"
cat "$MD"
