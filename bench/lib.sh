# shellcheck shell=bash disable=SC2034
# bench/lib.sh: helpers shared by the benchmark scripts (source it; bash only).
#
# Process control: bench_spawn starts a command in its own session with its
# output in a log file and remembers it; bench_stop stops one (SIGTERM, bounded
# wait, SIGKILL); bench_cleanup (installed as the EXIT trap by bench_init)
# stops everything still remembered. Only processes this script started are
# ever signalled, by pid.
# Sampling: RSS and peak RSS from /proc/PID/status (VmRSS, VmHWM), CPU seconds
# from /proc/PID/stat (utime+stime).
# Timing: bench_wait_http polls a URL until HTTP 200 and prints the
# milliseconds since a given start.
# Statistics and output: median/min/max of numbers, markdown table rows, and
# result files in $BENCH_OUT (one markdown fragment per scenario).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
BENCH_RUN=${TRIB_BENCH_RUN:-/tmp/tributary-bench}
BENCH_OUT=${BENCH_OUT:-$BENCH_RUN/results}
BENCH_RUNS=${BENCH_RUNS:-5}
# Unrecorded rounds before the measured ones, so the first measured run of
# each system does not pay for the shared services' cold start (the JIT of
# the broker and registry, PostgreSQL's caches, the page cache of input files).
BENCH_WARMUP=${BENCH_WARMUP:-1}
export BENCH_OUT BENCH_RUNS BENCH_WARMUP
export TRIB_BENCH_RUN=$BENCH_RUN
BENCH_PIDS=()

bench_log() { printf '[%s] %s: %s\n' "$(date +%H:%M:%S)" "${BENCH_NAME:-bench}" "$*" >&2; }
bench_die() { bench_log "error: $*"; exit 1; }

bench_now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# ---------------------------------------------------------------------------
# processes

# bench_spawn LOGFILE CMD... : start CMD in its own session (stdin /dev/null,
# stdout+stderr to LOGFILE); sets BENCH_SPAWNED_PID to its pid (the pid of CMD
# itself, via exec) and remembers it for cleanup.
bench_spawn() {
    local logf=$1; shift
    local pidf
    pidf=$(mktemp "$BENCH_RUN/.spawn.XXXXXX")
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' spawn "$pidf" "$@" </dev/null >"$logf" 2>&1 &
    disown $! 2>/dev/null || true   # no "Killed" job notices; cleanup goes by pid
    local i
    for i in $(seq 100); do [ -s "$pidf" ] && break; sleep 0.01; done
    BENCH_SPAWNED_PID=$(cat "$pidf")
    rm -f "$pidf"
    [ -n "$BENCH_SPAWNED_PID" ] || bench_die "could not start: $*"
    BENCH_PIDS+=("$BENCH_SPAWNED_PID")
    bench_prio "$BENCH_SPAWNED_PID"
}

# bench_prio PID...: give each process's scheduling autogroup this shell's
# nice value. With kernel.sched_autogroup_enabled=1 every session (each
# process started with setsid: bench_spawn's, scripts/testenv's services) is
# its own scheduling group, and the CPU is shared between groups by the
# group's nice (/proc/PID/autogroup), not by the processes' own nice: without
# this, `nice -n -20` around a measurement gives it no priority over other
# sessions' builds (measured 2026-12-07: a worker at nice -20 in its own
# autogroup got about a quarter of a core at load average 30). Only done when
# this shell runs at a negative nice (a measured run under the benchmark lock).
bench_prio() {
    local n p
    n=$(nice)
    [ "$n" -lt 0 ] && [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ] || return 0
    for p in "$@"; do
        [ -n "$p" ] && [ -w "/proc/$p/autogroup" ] && { echo "$n" >"/proc/$p/autogroup"; } 2>/dev/null || true
    done
}

# bench_track PID: remember a process started some other way for cleanup.
bench_track() { BENCH_PIDS+=("$1"); }

bench_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# bench_stop PID [TIMEOUT_S]: SIGTERM, wait (default 30 s), then SIGKILL.
bench_stop() {
    local pid=$1 timeout=${2:-30} i
    bench_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq $((timeout * 10))); do
        bench_alive "$pid" || return 0
        sleep 0.1
    done
    bench_log "pid $pid still running after ${timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 50); do bench_alive "$pid" || return 0; sleep 0.1; done
}

# bench_kill9 PID: SIGKILL now and wait until it is gone (bounded).
bench_kill9() {
    local pid=$1 i
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 100); do bench_alive "$pid" || return 0; sleep 0.05; done
}

bench_cleanup() {
    local rc=$? pid
    for pid in "${BENCH_PIDS[@]}"; do bench_stop "$pid" 20; done
    BENCH_PIDS=()
    if declare -F bench_on_exit >/dev/null; then bench_on_exit || true; fi
    [ -z "${BENCH_AUTOGROUP_NICE:-}" ] || { echo "$BENCH_AUTOGROUP_NICE" >"/proc/$$/autogroup"; } 2>/dev/null || true
    return $rc
}

# bench_init NAME: common set-up of a scenario script.
bench_init() {
    BENCH_NAME=$1
    mkdir -p "$BENCH_RUN" "$BENCH_OUT"
    # this session's group too, restored on exit (it may be a login session)
    BENCH_AUTOGROUP_NICE=$(sed -n 's/.* nice //p' "/proc/$$/autogroup" 2>/dev/null)
    bench_prio $$
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM HUP
}

# ---------------------------------------------------------------------------
# sampling

bench_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
bench_hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# bench_cpu_s PID: user+system CPU seconds so far (3 decimals).
bench_cpu_s() {
    local stat rest hz
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    rest=${stat##*) }                       # fields from 3 on (comm may hold spaces)
    hz=$(getconf CLK_TCK)
    # shellcheck disable=SC2086
    set -- $rest
    awk -v u="${12}" -v s="${13}" -v hz="$hz" 'BEGIN { printf "%.3f\n", (u + s) / hz }'
}

# bench_wait_http URL T0_MS TIMEOUT_S [PID]: poll URL every 20 ms until it
# answers 200; prints the ms since T0_MS. Fails on timeout or if PID exits.
bench_wait_http() {
    local url=$1 t0=$2 timeout=$3 pid=${4:-} deadline code
    deadline=$(($(bench_now_ms) + timeout * 1000))
    while :; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
        if [ "$code" = 200 ]; then echo $(($(bench_now_ms) - t0)); return 0; fi
        if [ -n "$pid" ] && ! bench_alive "$pid"; then bench_log "process $pid exited before $url was ready"; return 1; fi
        [ "$(bench_now_ms)" -lt "$deadline" ] || { bench_log "$url not ready after ${timeout}s"; return 1; }
        sleep 0.02
    done
}

# bench_http METHOD URL [JSON_BODY]: prints the body; fails on a non-2xx status.
bench_http() {
    local method=$1 url=$2 body=${3:-} out code
    out=$(mktemp "$BENCH_RUN/.http.XXXXXX")
    if [ -n "$body" ]; then
        code=$(curl -s -o "$out" -w '%{http_code}' --max-time 120 -X "$method" -H 'Content-Type: application/json' --data "$body" "$url" || true)
    else
        code=$(curl -s -o "$out" -w '%{http_code}' --max-time 120 -X "$method" "$url" || true)
    fi
    cat "$out"; rm -f "$out"
    case $code in 2??) return 0 ;; *) bench_log "$method $url -> HTTP $code"; return 1 ;; esac
}

# bench_wait_tasks_running URL CONNECTOR NTASKS TIMEOUT_S: until the connector
# and NTASKS tasks report RUNNING.
bench_wait_tasks_running() {
    local base=$1 name=$2 n=$3 timeout=$4 deadline st
    deadline=$(($(bench_now_ms) + timeout * 1000))
    while :; do
        st=$(curl -s --max-time 5 "$base/connectors/$name/status" 2>/dev/null || true)
        if [ -n "$st" ] && [ "$(jq -r '[.tasks[]? | select(.state=="RUNNING")] | length' <<<"$st" 2>/dev/null)" -ge "$n" ] 2>/dev/null &&
            [ "$(jq -r '.connector.state' <<<"$st" 2>/dev/null)" = RUNNING ]; then
            return 0
        fi
        if [ -n "$st" ] && jq -e '[.tasks[]? | select(.state=="FAILED")] | length > 0' <<<"$st" >/dev/null 2>&1; then
            bench_log "connector $name has a FAILED task: $(jq -r '.tasks[] | select(.state=="FAILED") | .trace' <<<"$st" | head -n 5)"
            return 1
        fi
        [ "$(bench_now_ms)" -lt "$deadline" ] || { bench_log "connector $name not RUNNING after ${timeout}s: $st"; return 1; }
        sleep 0.2
    done
}

# ---------------------------------------------------------------------------
# statistics and output

# bench_stats N1 N2 ...: prints "median min max" (median of an even count is
# the mean of the middle two). Empty input prints nothing and fails.
bench_stats() {
    [ $# -gt 0 ] || return 1
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
        printf "%s %s %s\n", m, v[1], v[NR] }'
}
bench_median() { bench_stats "$@" | awk '{print $1}'; }

# bench_fmt NUMBER [DECIMALS]: rounds for tables (thousands separators for integers).
bench_fmt() {
    local v=$1 d=${2:-0}
    [ -n "$v" ] || { echo "n/a"; return; }
    if [ "$d" = 0 ]; then
        printf "%.0f" "$v" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'
    else
        printf "%.${d}f" "$v"
    fi
}

# bench_msm "MEDIAN MIN MAX" [DECIMALS]: "median (min–max)" for a table cell.
bench_msm() {
    local m lo hi
    read -r m lo hi <<<"$1"
    [ -n "$m" ] || { echo "n/a"; return; }
    echo "$(bench_fmt "$m" "${2:-0}") ($(bench_fmt "$lo" "${2:-0}")–$(bench_fmt "$hi" "${2:-0}"))"
}

# bench_ratio A B [DECIMALS]: A/B, or n/a.
bench_ratio() {
    if [ -z "${1:-}" ] || [ -z "${2:-}" ] || awk -v b="$2" 'BEGIN { exit !(b == 0) }'; then echo "n/a"; return; fi
    awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f×\n", d, a / b }'
}

# bench_row CELL...: one markdown table row.
bench_row() {
    local out="|" c
    for c in "$@"; do out+=" $c |"; done
    echo "$out"
}

# bench_raw_append FILE FIELDS...: one tab-separated line of raw measurements.
bench_raw_append() {
    local f=$1; shift
    (IFS=$'\t'; echo "$*") >>"$f"
}

# bench_raw_col FILE KEY COLUMN: the COLUMN-th field of the lines whose first
# field is KEY (empty fields skipped), one per line.
bench_raw_col() {
    awk -F'\t' -v k="$2" -v c="$3" '$1 == k && $c != "" { print $c }' "$1" 2>/dev/null
}

# ---------------------------------------------------------------------------
# environment

# bench_env: the real-service environment (scripts/testenv: Kafka, the
# Apicurio registry, PostgreSQL), plus the bench tools and the peers. By
# default the benchmarks use their own instance (run dir $BENCH_RUN/testenv),
# so other people's test runs neither restart the services under a
# measurement nor leave load on them; BENCH_TESTENV_RUN_DIR picks another run
# dir (e.g. the shared <repo>/.run/testenv). Never stopped here: run-all.sh
# stops the private instance when it started it.
# Sets KAFKA_BOOTSTRAP, SCHEMA_REGISTRY_URL, PG_URL, REGISTRY_BASE, PG_PORT,
# TOOLS, CONNECT_WORKER.
bench_env() {
    export TRIB_RUN_DIR=${BENCH_TESTENV_RUN_DIR:-$BENCH_RUN/testenv}
    "$REPO_DIR/scripts/testenv" up >&2 || bench_die "scripts/testenv up failed (run dir $TRIB_RUN_DIR)"
    eval "$("$REPO_DIR/scripts/testenv" env)"
    # the services run in sessions of their own (see bench_prio)
    local f
    for f in "$TRIB_RUN_DIR"/*/*.pid "$TRIB_RUN_DIR"/postgres/data/postmaster.pid; do
        [ -f "$f" ] && bench_prio "$(head -n 1 "$f")"
    done
    REGISTRY_BASE=${SCHEMA_REGISTRY_URL%/apis/ccompat/v7}
    PG_PORT=$(sed 's#.*:\([0-9]*\)/.*#\1#' <<<"$PG_URL")
    TOOLS=$("$BENCH_DIR/tools/build.sh") || bench_die "building bench/tools failed"
    CONNECT_WORKER=$BENCH_DIR/peers/connect-worker
    "$BENCH_DIR/peers/fetch" >/dev/null || bench_die "bench/peers/fetch failed"
    export KAFKA_BOOTSTRAP SCHEMA_REGISTRY_URL PG_URL
}

# bench_services_pids: pids of the testenv's Kafka broker and PostgreSQL
# postmaster (for CPU accounting of the shared infrastructure).
bench_kafka_pid() { cat "$TRIB_RUN_DIR/kafka/kafka.pid" 2>/dev/null; }

# bench_tributary_bin: prints the path of a working tributary binary, or fails.
# $TRIBUTARY_BIN wins. Otherwise the committed HEAD of this checkout is
# exported (git archive, so half-edited files in the work tree never get in)
# and built (Release) into build-bench/tributary-<commit>; BENCH_TRIBUTARY_SRC=worktree
# builds the work tree as it is instead. Writes what was built to
# $BENCH_OUT/tributary-version.txt.
bench_tributary_bin() {
    if [ -n "${TRIBUTARY_BIN:-}" ]; then
        [ -x "$TRIBUTARY_BIN" ] || { bench_log "TRIBUTARY_BIN=$TRIBUTARY_BIN is not executable"; return 1; }
        TRIBUTARY_VERSION_INFO=${TRIBUTARY_VERSION_INFO:-$TRIBUTARY_BIN}
        mkdir -p "$BENCH_OUT"; echo "$TRIBUTARY_VERSION_INFO" >"$BENCH_OUT/tributary-version.txt"
        echo "$TRIBUTARY_BIN"; return 0
    fi
    local src b commit logf=$BENCH_RUN/build-tributary.log
    if [ "${BENCH_TRIBUTARY_SRC:-head}" = worktree ]; then
        src=$REPO_DIR; b=$REPO_DIR/build-bench/tributary-worktree
        TRIBUTARY_VERSION_INFO="work tree of $(git -C "$REPO_DIR" rev-parse --short HEAD)"
    else
        commit=$(git -C "$REPO_DIR" rev-parse --short=12 HEAD) || return 1
        src=$BENCH_RUN/src-$commit; b=$REPO_DIR/build-bench/tributary-$commit
        TRIBUTARY_VERSION_INFO="commit $commit"
        if [ ! -f "$src/CMakeLists.txt" ]; then
            rm -rf "$src.tmp"; mkdir -p "$src.tmp"
            git -C "$REPO_DIR" archive HEAD | tar -x -C "$src.tmp" || { bench_log "git archive failed"; return 1; }
            mv "$src.tmp" "$src"
        fi
    fi
    if [ ! -x "$b/tributary" ] || [ "${BENCH_TRIBUTARY_SRC:-head}" = worktree ]; then
        bench_log "building tributary ($TRIBUTARY_VERSION_INFO) in $b"
        if ! { cmake -B "$b" -S "$src" -DCMAKE_BUILD_TYPE=Release -DTRIB_WERROR=ON >"$logf" 2>&1 &&
               cmake --build "$b" --target tributary -j "$(nproc)" >>"$logf" 2>&1; }; then
            # A new compiler warning in someone's commit should not stop a
            # benchmark: warnings do not change the generated code.
            bench_log "building tributary with -Werror failed; retrying with TRIB_WERROR=OFF (log: $logf)"
            if ! { cmake -B "$b" -S "$src" -DCMAKE_BUILD_TYPE=Release -DTRIB_WERROR=OFF >>"$logf" 2>&1 &&
                   cmake --build "$b" --target tributary -j "$(nproc)" >>"$logf" 2>&1; }; then
                bench_log "building tributary failed (log: $logf)"
                return 1
            fi
            TRIBUTARY_VERSION_INFO="$TRIBUTARY_VERSION_INFO (built with TRIB_WERROR=OFF)"
        fi
    fi
    [ -x "$b/tributary" ] || { bench_log "no $b/tributary after the build"; return 1; }
    mkdir -p "$BENCH_OUT"; echo "$TRIBUTARY_VERSION_INFO" >"$BENCH_OUT/tributary-version.txt"
    echo "$b/tributary"
}

# bench_free_port: an unused TCP port on 127.0.0.1.
bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# bench_avro_converter_connect: the value-converter settings (JSON object body
# fragment, no braces) that make Kafka Connect use Apicurio's AvroConverter
# with Confluent framing (magic 0 + 4-byte content id) against the testenv registry.
bench_avro_converter_connect() {
    local p=${1:-value.converter}
    printf '"%s":"io.apicurio.registry.utils.converter.AvroConverter","%s.apicurio.registry.url":"%s/apis/registry/v2","%s.apicurio.registry.auto-register":"true","%s.apicurio.registry.as-confluent":"true","%s.apicurio.registry.use-id":"contentId","%s.apicurio.registry.headers.enabled":"false"' \
        "$p" "$p" "$REGISTRY_BASE" "$p" "$p" "$p" "$p"
}

# bench_avro_converter_tributary: the same for Tributary, which speaks the
# Confluent API (the registry's ccompat endpoint) under Confluent's class name.
bench_avro_converter_tributary() {
    local p=${1:-value.converter}
    printf '"%s":"io.confluent.connect.avro.AvroConverter","%s.schema.registry.url":"%s"' "$p" "$p" "$SCHEMA_REGISTRY_URL"
}

# ---------------------------------------------------------------------------
# the systems under test

# bench_connect_start NAME PORT [key=value ...]: a Kafka Connect distributed
# worker (bench/peers/connect-worker run) as a tracked process; sets
# BENCH_SPAWNED_PID (the JVM's pid) and BENCH_SPAWNED_LOG.
bench_connect_start() {
    local name=$1 port=$2; shift 2
    mkdir -p "$BENCH_RUN/connect/$name"
    BENCH_SPAWNED_LOG=$BENCH_RUN/connect/$name/worker.log
    bench_spawn "$BENCH_SPAWNED_LOG" "$CONNECT_WORKER" run "$name" "$port" "$@"
}

# bench_tributary_start MODE NAME PORT [key=value ...]: tributary standalone|
# distributed with a fresh worker.properties mirroring the Connect worker's
# (same converters, flush interval; distributed: group bench-NAME and topics
# bench-NAME-*); sets BENCH_SPAWNED_PID and BENCH_SPAWNED_LOG.
bench_tributary_start() {
    local mode=$1 name=$2 port=$3; shift 3
    local dir=$BENCH_RUN/tributary/$name kv
    rm -rf "$dir"; mkdir -p "$dir"
    {
        echo "bootstrap.servers=$KAFKA_BOOTSTRAP"
        echo "listeners=http://127.0.0.1:$port"
        echo "rest.advertised.host.name=127.0.0.1"
        echo "rest.advertised.port=$port"
        echo "key.converter=org.apache.kafka.connect.json.JsonConverter"
        echo "value.converter=org.apache.kafka.connect.json.JsonConverter"
        echo "offset.flush.interval.ms=10000"
        if [ "$mode" = standalone ]; then
            echo "offset.storage.file.filename=$dir/offsets"
        else
            echo "group.id=bench-$name"
            echo "offset.storage.topic=bench-$name-offsets"
            echo "offset.storage.replication.factor=1"
            echo "config.storage.topic=bench-$name-configs"
            echo "config.storage.replication.factor=1"
            echo "status.storage.topic=bench-$name-status"
            echo "status.storage.replication.factor=1"
        fi
        # BENCH_TRIBUTARY_PROPS: space-separated key=value lines for every
        # Tributary worker of the run (e.g. tributary.metrics.enable=false)
        for kv in ${BENCH_TRIBUTARY_PROPS:-} "$@"; do echo "$kv"; done
    } >"$dir/worker.properties"
    BENCH_SPAWNED_LOG=$dir/worker.log
    bench_spawn "$BENCH_SPAWNED_LOG" "$TRIBUTARY" "$mode" "$dir/worker.properties"
}

# bench_tributary_distributed_available: does this build run distributed mode?
bench_tributary_distributed_available() {
    [ -n "${TRIBUTARY:-}" ] || return 1
    local out
    out=$(timeout 5 "$TRIBUTARY" distributed /dev/null 2>&1 || true)
    ! grep -q "not available" <<<"$out"
}

# bench_pg_cpu_s: CPU seconds used so far by the testenv's PostgreSQL server:
# the postmaster's own and reaped children's (utime+stime+cutime+cstime) plus
# its live children's (backends, background workers).
bench_pg_cpu_s() {
    local pgdir pm hz
    pgdir=$(. "$TRIB_RUN_DIR/state.env" 2>/dev/null; echo "${PG_DIR:-}")
    pm=$(head -n 1 "$pgdir/data/postmaster.pid" 2>/dev/null) || return 1
    hz=$(getconf CLK_TCK)
    {
        rest=$(cat "/proc/$pm/stat"); rest=${rest##*) }
        # shellcheck disable=SC2086
        set -- $rest; echo "${12} ${13} ${14} ${15}"
        for c in $(cat "/proc/$pm/task/$pm/children" 2>/dev/null); do
            rest=$(cat "/proc/$c/stat" 2>/dev/null) || continue; rest=${rest##*) }
            # shellcheck disable=SC2086
            set -- $rest; echo "${12} ${13} 0 0"
        done
    } | awk -v hz="$hz" '{ t += $1 + $2 + $3 + $4 } END { printf "%.3f\n", t / hz }'
}

# bench_psql SQL...: run SQL against $PG_URL, unaligned tuples only.
bench_psql() { psql "$PG_URL" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
