# shellcheck shell=bash
# tests/e2e/chaos_schedule.sh: the fault schedule of the chaos runs, shared
# by tests/e2e/chaos_short.t and bench/chaos_compare.sh (which replays a
# seed's schedule against Kafka Connect), so one seed means one schedule.
#
# chaos_schedule DURATION: sets the array CHAOS_SCHED to "at-second action"
# lines sorted by time, drawn only from $RANDOM (the caller seeds it with
# RANDOM=<seed> and draws nothing else from it before): a kill -9 of a
# random worker (kill0..kill2) every 15 s (+0-4 s) from 8 s on, and in each
# whole window of 200 s (or the whole run when shorter) one SIGSTOP of a
# random worker (stop0..stop2) at 25 %, one broker restart at 50 % and one
# PostgreSQL restart at 75 % (+0-4 s each). Whole windows only, so no fault
# falls after the load.
chaos_schedule() {
  local duration=$1 t w win s=()
  for ((t = 8; t < duration; t += 15)); do s+=("$((t + RANDOM % 5)) kill$((RANDOM % 3))"); done
  win=$(( duration < 200 ? duration : 200 ))
  for ((w = 0; w + win <= duration; w += 200)); do
    s+=("$((w + win * 25 / 100 + RANDOM % 5)) stop$((RANDOM % 3))")
    s+=("$((w + win * 50 / 100 + RANDOM % 5)) broker")
    s+=("$((w + win * 75 / 100 + RANDOM % 5)) postgres")
  done
  mapfile -t CHAOS_SCHED < <(printf '%s\n' "${s[@]}" | sort -n)
}
