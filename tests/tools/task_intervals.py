#!/usr/bin/env python3
"""Checks that no task ran on two workers at once, from worker logs.

usage: task_intervals.py [--frozen LOG:T_STOP:T_CONT] [--killed LOG:T_KILL] LOG...

A task runs on a worker from its "task is RUNNING" line until its next
"task is UNASSIGNED|FAILED|STOPPED" line or "lease expired" line (the task
holds its work from then on). A worker killed at T_KILL runs nothing after
it; a worker frozen (SIGSTOP) from T_STOP to T_CONT runs nothing during
the freeze. Times are epoch seconds. Prints overlaps and the longest run a
frozen worker had after waking before its lease check held it; exits 1 on
any overlap longer than --slack seconds (default 0.5, the one batch a
thread may finish after waking up: exactly-once fencing covers it).
"""
import re, sys, datetime

LINE = re.compile(r'^(\S+Z) \S+\s+\[worker\] \[(.+):(\d+)\] (task is (\w+)|lease expired)')

def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()

def main(argv):
    frozen, killed, logs, slack = {}, {}, [], 0.5
    i = 0
    while i < len(argv):
        if argv[i] == "--frozen":
            log, a, b = argv[i + 1].rsplit(":", 2); frozen[log] = (float(a), float(b)); i += 2
        elif argv[i] == "--killed":
            log, a = argv[i + 1].rsplit(":", 1); killed.setdefault(log, []).append(float(a)); i += 2
        elif argv[i] == "--slack":
            slack = float(argv[i + 1]); i += 2
        else:
            logs.append(argv[i]); i += 1
    intervals = []  # (task, worker, start, end)
    wake_runs = []
    for log in logs:
        open_ = {}
        kills = sorted(killed.get(log, []))
        for line in open(log, errors="replace"):
            m = LINE.match(line)
            if not m:
                continue
            t, task = ts(m.group(1)), m.group(2) + ":" + m.group(3)
            running = m.group(5) == "RUNNING"
            if running and task not in open_:
                open_[task] = t
            elif not running and task in open_:
                intervals.append((task, log, open_.pop(task), t))
        for task, start in open_.items():
            # still running at the end, unless the worker was killed
            end = min([k for k in kills if k >= start], default=float("inf"))
            intervals.append((task, log, start, end))
    # cut each kill and each freeze out of the intervals
    cut = []
    for task, log, s, e in intervals:
        for k in killed.get(log, []):
            if s <= k < e:
                e = k
        if log in frozen:
            a, b = frozen[log]
            if s < a and e > a:
                cut.append((task, log, s, a))
                if e > b:
                    cut.append((task, log, b, e))
                    wake_runs.append(e - b)
                continue
        cut.append((task, log, s, e))
    bad = 0
    worst = 0.0
    by_task = {}
    for iv in cut:
        by_task.setdefault(iv[0], []).append(iv)
    for task, ivs in by_task.items():
        for x in range(len(ivs)):
            for y in range(x + 1, len(ivs)):
                a, b = ivs[x], ivs[y]
                if a[1] == b[1]:
                    continue
                overlap = min(a[3], b[3]) - max(a[2], b[2])
                if overlap > 0:
                    worst = max(worst, overlap)
                    if overlap > slack:
                        bad += 1
                        print(f"OVERLAP {task}: {a[1]} [{a[2]:.3f},{a[3]:.3f}] and {b[1]} [{b[2]:.3f},{b[3]:.3f}] ({overlap:.3f} s)")
    print(f"tasks={len(by_task)} intervals={len(cut)} overlaps_over_slack={bad} "
          f"worst_overlap_s={worst:.3f} longest_wake_run_s={max(wake_runs, default=0):.3f}")
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
