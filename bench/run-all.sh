#!/usr/bin/env bash
# bench/run-all.sh: run every benchmark scenario and write BENCHMARKS.md.
#
#   bench/run-all.sh [SCENARIO...]      scenarios: startup sink source failover
#                                       spooldir (default: those five), mongo (only when
#                                       named: 1M documents into SecantusDB
#                                       take hours for three systems), shapes
#                                       (only when named: four record shapes
#                                       of 500k records, three systems each),
#                                       ingest (only when named: HTTP and
#                                       WebSocket ingest against raw produce)
#   bench/run-all.sh --report-only      rewrite BENCHMARKS.md from the results
#                                       committed in bench/results/
#
# Each scenario's table and its run facts (command, start, end, exit status,
# commit) are copied into bench/results/<scenario>.{md,meta} when it finishes,
# and BENCHMARKS.md is assembled from that directory: running one scenario
# replaces its own section and keeps every other section as last measured,
# each naming its own run. bench/results/manual-*.md are sections measured by
# hand (their commands are in the text) and are appended as they are.
#
# Env: BENCH_RUNS (default 5) runs per measurement; BENCH_RECORDS (1,000,000);
#      BENCH_OUT (default /tmp/tributary-bench/results); BENCH_REPORT (default
#      <repo>/BENCHMARKS.md); TRIBUTARY_BIN (else the committed HEAD is built);
#      BENCH_TESTENV_RUN_DIR (else a private scripts/testenv instance, stopped
#      at the end if this script started it). Each scenario runs under a time
#      limit (BENCH_LIMIT_<SCENARIO> seconds) and cleans up its own processes.
#
# Every number in the report comes from the result files the scenario
# scripts wrote in this run directory; a scenario that did not run or could
# not measure something says so in its table.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init run-all
REPORT=${BENCH_REPORT:-$REPO_DIR/BENCHMARKS.md}
RESULTS=${BENCH_RESULTS:-$REPO_DIR/bench/results}

report_only=0
SCENARIOS=()
for a in "$@"; do
    case $a in
        --report-only) report_only=1 ;;
        startup|sink|source|failover|spooldir|mongo|shapes|ingest) SCENARIOS+=("$a") ;;
        *) bench_die "unknown argument '$a' (scenarios: startup sink source failover spooldir mongo shapes ingest; or --report-only)" ;;
    esac
done
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(startup sink source failover spooldir)

script_of() {
    case $1 in
        startup) echo startup.sh ;; sink) echo sink_pg.sh ;; source) echo source_datagen.sh ;; failover) echo failover.sh ;;
        spooldir) echo spooldir.sh ;; mongo) echo sink_mongo.sh ;; shapes) echo sink_shapes.sh ;; ingest) echo ingest.sh ;;
    esac
}
limit_of() {
    local v="BENCH_LIMIT_${1^^}" d
    case $1 in startup) d=3600 ;; sink) d=10800 ;; source) d=3600 ;; failover) d=10800 ;; spooldir) d=3600 ;; mongo) d=21600 ;; shapes) d=14400 ;; ingest) d=3600 ;; esac
    echo "${!v:-$d}"
}
result_of() {
    case $1 in startup) echo startup ;; sink) echo sink_pg ;; source) echo source ;; failover) echo failover ;; spooldir) echo spooldir ;; mongo) echo sink_mongo ;; shapes) echo sink_shapes ;; ingest) echo ingest ;; esac
}

if [ "$report_only" = 0 ]; then
    export TRIB_RUN_DIR=${BENCH_TESTENV_RUN_DIR:-$BENCH_RUN/testenv}
    started_env=0
    if ! "$REPO_DIR/scripts/testenv" status >/dev/null 2>&1; then started_env=1; fi
    if [ -z "${BENCH_TESTENV_RUN_DIR:-}" ]; then
        bench_on_exit() { [ "$started_env" = 1 ] && "$REPO_DIR/scripts/testenv" down >&2 || true; }
    fi
    bench_env
    # one Tributary build for every scenario of this run
    if TRIBUTARY_BIN=$(bench_tributary_bin); then
        TRIBUTARY_VERSION_INFO=$(cat "$BENCH_OUT/tributary-version.txt")
        export TRIBUTARY_BIN TRIBUTARY_VERSION_INFO
    else
        unset TRIBUTARY_BIN; bench_log "no tributary binary: its rows will say so"
    fi
    for sc in "${SCENARIOS[@]}"; do
        r=$(result_of "$sc")
        prev_cmd=""; t0=$(date -u +%FT%TZ)
        if [ "$sc" = shapes ] && [ "${BENCH_SHAPES_APPEND:-0}" = 1 ]; then
            # shapes measured in several commands: keep the earlier chunks' rows
            # and name every command of the section in its meta
            [ -s "$BENCH_OUT/$r.meta" ] && prev_cmd="$(sed -n 's/^command=//p' "$BENCH_OUT/$r.meta"), then " &&
                t0=$(sed -n 's/^started=//p' "$BENCH_OUT/$r.meta")
            rm -f "$BENCH_OUT/$r.md"
        else
            rm -f "$BENCH_OUT/$r.md" "$BENCH_OUT/$r.tsv" "$BENCH_OUT/$r.meta"
        fi
        bench_log "scenario $sc (bench/$(script_of "$sc"), limit $(limit_of "$sc") s)"
        rc=0
        timeout --signal=TERM --kill-after=120 "$(limit_of "$sc")" "$BENCH_DIR/$(script_of "$sc")" || rc=$?
        {
            extra=""
            [ "$sc" = failover ] && [ -n "${BENCH_FAILOVER_RUNS:-}" ] && extra=" BENCH_FAILOVER_RUNS=$BENCH_FAILOVER_RUNS"
            [ "$sc" = shapes ] && [ -n "${BENCH_SHAPES:-}" ] && extra=" BENCH_SHAPES=\"$BENCH_SHAPES\"${BENCH_SHAPES_APPEND:+ BENCH_SHAPES_APPEND=$BENCH_SHAPES_APPEND}"
            echo "command=${prev_cmd}BENCH_RUNS=$BENCH_RUNS${BENCH_RECORDS:+ BENCH_RECORDS=$BENCH_RECORDS}$extra bench/$(script_of "$sc")"
            echo "started=$t0"
            echo "finished=$(date -u +%FT%TZ)"
            echo "exit=$rc"
            echo "tributary=$(cat "$BENCH_OUT/tributary-version.txt" 2>/dev/null || echo "not built")"
        } >"$BENCH_OUT/$r.meta"
        [ "$rc" = 0 ] || bench_log "scenario $sc exited with $rc"
        # keep the section only when the scenario produced a table: a run that
        # died must not replace the last good measurement with nothing
        if [ -s "$BENCH_OUT/$r.md" ]; then
            mkdir -p "$RESULTS"
            cp "$BENCH_OUT/$r.md" "$BENCH_OUT/$r.meta" "$RESULTS/"
        else
            bench_log "scenario $sc wrote no table; bench/results/$r.* keeps the previous run"
        fi
    done
    # facts about the environment, measured now
    {
        echo "date=$(date -u +%FT%TZ)"
        echo "nproc=$(nproc)"
        echo "mem=$(free -m | awk '/^Mem:/ {print $2}') MiB"
        echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
        echo "kernel=$(uname -sr)"
        echo "os=$(. /etc/os-release; echo "$PRETTY_NAME")"
        echo "java=$(java -version 2>&1 | head -n 1)"
        echo "postgres=$(bench_psql -c 'SHOW server_version' 2>/dev/null || echo unknown)"
        # the worker links scripts/librdkafka's build (rpath) when it exists,
        # the bench tools the system's: name both
        rk=$(ldd "${TRIBUTARY_BIN:-/nonexistent}" 2>/dev/null | awk '/librdkafka/ { print $3 }')
        echo "librdkafka=$(pkg-config --modversion rdkafka) (bench tools)${rk:+; Tributary links $rk}"
        echo "avro-c=$(pkg-config --modversion avro-c)"
        echo "tributary=$(cat "$BENCH_OUT/tributary-version.txt" 2>/dev/null || echo "not built")"
    } >"$BENCH_OUT/env.meta"
    mkdir -p "$RESULTS"; cp "$BENCH_OUT/env.meta" "$RESULTS/env.meta"
fi

# ---------------------------------------------------------------------------
# report
meta() { sed -n "s/^$2=//p" "$RESULTS/$1.meta" 2>/dev/null; }
section() { # section SCENARIO TITLE
    local r; r=$(result_of "$1")
    echo "## $2"
    echo
    if [ -s "$RESULTS/$r.md" ]; then
        echo "Command: \`$(meta "$r" command)\` (from $(meta "$r" started) to $(meta "$r" finished), exit status $(meta "$r" exit)); Tributary $(meta "$r" tributary)."
        echo
        cat "$RESULTS/$r.md"
    else
        echo "Not measured yet: no run of this scenario has produced a table (bench/results/$r.md)."
    fi
    echo
}
[ -f "$RESULTS/env.meta" ] || bench_die "no results in $RESULTS (run bench/run-all.sh first)"
env_() { sed -n "s/^$1=//p" "$RESULTS/env.meta"; }
{
    cat <<EOF
# Benchmarks: Tributary side by side with Apache Kafka Connect

Assembled by \`bench/run-all.sh\` from \`bench/results/\`. Every number below was
measured by the harness in \`bench/\`; each section names the run it comes
from (command, time, commit), and a cell that could not be measured says
why. The table of versions is from the newest run ($(env_ date)). Re-run with \`bench/run-all.sh\` (all scenarios, BENCH_RUNS=5
by default) or one scenario, e.g. \`BENCH_RUNS=5 bench/sink_pg.sh\`; how each
number is taken is described at the top of each script and in
[docs/benchmarks.md](docs/benchmarks.md).

## Machine and versions

| | |
| --- | --- |
| CPU | $(env_ cpu), $(env_ nproc) cores |
| memory | $(env_ mem) |
| OS | $(env_ os), $(env_ kernel) |
| Tributary | Release build (-O2) of the commit named in each section |
| Apache Kafka Connect | 3.9.2 (connect-runtime, connect-file, connect-json from Maven Central), distributed worker, shipped JVM defaults (-Xms256M -Xmx2G, G1) on $(env_ java) |
| Kafka broker | 3.9.2, single KRaft node (scripts/testenv; \`group.initial.rebalance.delay.ms=0\`, so no system's first consumer-group join waits the broker default 3 s) |
| Debezium JDBC sink | 3.1.2.Final (plugin archive from Maven Central) |
| Avro converter for Connect | Apicurio io.apicurio.registry.utils.converter.AvroConverter 2.6.13.Final, \`apicurio.registry.as-confluent=true\`, \`use-id=contentId\`, \`headers.enabled=false\`: Confluent framing (magic byte 0 + 4-byte id), checked by reading back a message it wrote |
| schema registry | Apicurio Registry 3.0.9 (Confluent-compatible API for Tributary, v2 API for the Apicurio converter; same ids) |
| PostgreSQL | $(env_ postgres) (scripts/testenv: fsync=off, synchronous_commit=off, shared_buffers=64MB) |
| librdkafka / avro-c | $(env_ librdkafka) / $(env_ avro-c) |

Everything (broker, registry, PostgreSQL, the worker under test, the load
tools) runs on this one machine over 127.0.0.1, so the systems compete for
the same $(env_ nproc) cores; the limits ("raw COPY", "raw produce") are
measured on the same machine with the same services.

EOF
    section startup "Start-up time and memory"
    section sink "Kafka → PostgreSQL sink (Avro records, 10 columns)"
    section shapes "Kafka → PostgreSQL sink: wide, JSON-envelope, skewed-upsert and large records against N COPY BINARY streams"
    section source "Source → Kafka"
    section failover "Failover: SIGKILL one of three workers"
    section spooldir "CSV file → Kafka as Avro (SpoolDirCsvSource), memory against file size, upload against cp"
    section mongo "Kafka → MongoDB sink (Avro records, 10 fields)"
    section ingest "HTTP and WebSocket ingest → Kafka (one worker)"
    for f in "$RESULTS"/manual-*.md; do
        [ -e "$f" ] || continue
        cat "$f"; echo
    done
} >"$REPORT"
bench_log "wrote $REPORT"
