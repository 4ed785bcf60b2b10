# tests/e2e/lib.sh: TAP helpers and worker control for end-to-end tests
# that drive the real `tributary` binary against the services of
# scripts/testenv. Sourced by tests/e2e/*.t (bash scripts run by prove).
#
# Every wait is bounded; every process started is killed on exit.

set -u
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TRIB_BIN=${TRIB_BIN:-${TRIB_BUILD_DIR:-$E2E_ROOT/build}/tributary}
_tap_n=0
_tap_failed=0
_tap_pids=()
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/trib-e2e.XXXXXX")

plan() { echo "1..$1"; }
diag() { echo "# $*"; }
ok() { # ok <0|1 as shell status> <description>
  _tap_n=$((_tap_n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $_tap_n - $2"; else echo "not ok $_tap_n - $2"; _tap_failed=$((_tap_failed + 1)); fi
}
is() { # is <got> <expected> <description>
  _tap_n=$((_tap_n + 1))
  if [ "$1" == "$2" ]; then echo "ok $_tap_n - $3"
  else echo "not ok $_tap_n - $3"; echo "#          got: '$1'"; echo "#     expected: '$2'"; _tap_failed=$((_tap_failed + 1)); fi
}
like() { # like <got> <regex> <description>
  _tap_n=$((_tap_n + 1))
  if [[ "$1" =~ $2 ]]; then echo "ok $_tap_n - $3"
  else echo "not ok $_tap_n - $3"; echo "#     '$1'"; echo "#   doesn't match '$2'"; _tap_failed=$((_tap_failed + 1)); fi
}
unlike() { # unlike <got> <regex> <description>
  _tap_n=$((_tap_n + 1))
  if ! [[ "$1" =~ $2 ]]; then echo "ok $_tap_n - $3"
  else echo "not ok $_tap_n - $3"; echo "#     '$1'"; echo "#   matches '$2'"; _tap_failed=$((_tap_failed + 1)); fi
}
bail() { echo "Bail out! $*"; exit 255; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

require_services() {
  if [ -z "${KAFKA_BOOTSTRAP:-}" ]; then
    [ "${TRIB_REQUIRE_SERVICES:-0}" = 1 ] && bail "KAFKA_BOOTSTRAP is not set (scripts/testenv up)"
    skip_all "KAFKA_BOOTSTRAP is not set (start services with scripts/testenv up)"
  fi
  [ -x "$TRIB_BIN" ] || bail "no tributary binary at $TRIB_BIN"
  command -v kcat >/dev/null || bail "kcat is missing (scripts/deps installs it)"
}

_e2e_cleanup() {
  for p in "${_tap_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ "${E2E_KEEP:-0}" = 1 ] || rm -rf "$E2E_TMP"
}
trap _e2e_cleanup EXIT

# On failure, show the end of every worker log so CI output explains it.
finish() {
  if [ "$_tap_failed" -gt 0 ]; then
    for f in "$E2E_TMP"/*.log; do
      [ -f "$f" ] || continue
      echo "# --- last lines of $(basename "$f") ---" >&2
      tail -n 15 "$f" | sed 's/^/#   /' >&2
    done
  fi
  exit $(( _tap_failed > 254 ? 254 : _tap_failed ))
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

uniq_name() { echo "e2e-$1-$$-$RANDOM"; }

# write_worker_props <file> <rest-port> <offsets-file> [extra lines...]
write_worker_props() {
  local f=$1 port=$2 offsets=$3; shift 3
  {
    echo "bootstrap.servers=$KAFKA_BOOTSTRAP"
    echo "listeners=http://127.0.0.1:$port"
    echo "key.converter=org.apache.kafka.connect.storage.StringConverter"
    echo "value.converter=org.apache.kafka.connect.storage.StringConverter"
    echo "offset.storage.file.filename=$offsets"
    echo "offset.flush.interval.ms=500"
    echo "task.shutdown.graceful.timeout.ms=5000"
    for l in "$@"; do echo "$l"; done
  } > "$f"
}

# start_worker <props> <log> [connector files...]: sets WORKER_PID
start_worker() {
  local props=$1 log=$2; shift 2
  "$TRIB_BIN" standalone "$props" "$@" >>"$log" 2>&1 &
  WORKER_PID=$!
  _tap_pids+=("$WORKER_PID")
}

# wait_rest <port> [seconds]: 0 when GET / answers 200
wait_rest() {
  local port=$1 secs=${2:-30} i
  for ((i = 0; i < secs * 10; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# rest <method> <port> <path> [json-body]: prints "<status> <body>"
rest() {
  local method=$1 port=$2 path=$3 body=${4:-}
  local out code
  if [ -n "$body" ]; then
    out=$(curl -sS -X "$method" -H 'Content-Type: application/json' --data "$body" -w '\n%{http_code}' "http://127.0.0.1:$port$path")
  else
    out=$(curl -sS -X "$method" -w '\n%{http_code}' "http://127.0.0.1:$port$path")
  fi
  code=${out##*$'\n'}
  echo "$code ${out%$'\n'*}"
}

# wait_for <seconds> '<shell condition>': evaluates the condition every
# 0.2 s (single-quote it so it is re-evaluated each time) until it holds.
wait_for() {
  local secs=$1 i; shift
  for ((i = 0; i < secs * 5; i++)); do
    eval "$*" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# topic_count <topic>: number of messages in a topic (read_committed)
topic_count() {
  kcat -b "$KAFKA_BOOTSTRAP" -C -t "$1" -e -q -X isolation.level=read_committed -f '%o\n' 2>/dev/null | wc -l
}

# topic_values <topic>: every value, one per line
topic_values() {
  kcat -b "$KAFKA_BOOTSTRAP" -C -t "$1" -e -q -X isolation.level=read_committed -f '%s\n' 2>/dev/null
}

create_topic() { # create_topic <topic> [partitions]
  kcat -b "$KAFKA_BOOTSTRAP" -L -t "$1" >/dev/null 2>&1
  # auto.create.topics.enable=true on the test broker; produce nothing, just metadata
}

lines_in() { [ -f "$1" ] && wc -l < "$1" || echo 0; }

# ---- distributed mode ----------------------------------------------------------------

# write_dist_props <file> <rest-port> <group> [extra lines...]
write_dist_props() {
  local f=$1 port=$2 group=$3; shift 3
  {
    echo "bootstrap.servers=$KAFKA_BOOTSTRAP"
    echo "group.id=$group"
    echo "listeners=http://127.0.0.1:$port"
    echo "key.converter=org.apache.kafka.connect.storage.StringConverter"
    echo "value.converter=org.apache.kafka.connect.storage.StringConverter"
    echo "config.storage.topic=$group-configs"
    echo "offset.storage.topic=$group-offsets"
    echo "status.storage.topic=$group-status"
    echo "config.storage.replication.factor=1"
    echo "offset.storage.replication.factor=1"
    echo "status.storage.replication.factor=1"
    echo "offset.flush.interval.ms=500"
    echo "session.timeout.ms=6000"
    echo "heartbeat.interval.ms=1000"
    echo "task.shutdown.graceful.timeout.ms=5000"
    for l in "$@"; do echo "$l"; done
  } > "$f"
}

# start_dist_worker <props> <log>: sets WORKER_PID
start_dist_worker() {
  "$TRIB_BIN" distributed "$1" >>"$2" 2>&1 &
  WORKER_PID=$!
  _tap_pids+=("$WORKER_PID")
}

# wait_tasks_moved <port> <tasks> <victim-port> <timeout-s>: waits until all
# <tasks> are RUNNING and none on the victim; sets MOVED_MS to the time since
# the call (call it right after stopping the victim). Status of wait_for.
wait_tasks_moved() {
  local port=$1 n=$2 victim=$3 limit=$4 t0 rc
  t0=$(date +%s%N)
  wait_for "$limit" "[ \"\$(task_placement $port | wc -l)\" -eq $n ] && ! task_placement $port | grep -q \"127.0.0.1:$victim\""
  rc=$?
  MOVED_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  return $rc
}

# task_placement <port>: "connector/task worker" lines for RUNNING tasks
task_placement() {
  curl -s "http://127.0.0.1:$1/connectors?expand=status" |
    jq -r 'to_entries[] | .key as $c | .value.status.tasks[] | select(.state=="RUNNING") | "\($c)/\(.id) \(.worker_id)"' 2>/dev/null | sort
}
