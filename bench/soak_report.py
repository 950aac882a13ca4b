#!/usr/bin/env python3
"""Summarises a soak run (bench/soak.sh): executor threads and RSS per stage and epoch.

usage: soak_report.py SAMPLES_TSV RUN_DIR EXIT_CODE COMMAND OUT_PREFIX
Writes OUT_PREFIX.json and OUT_PREFIX.md and prints the table.
"""
import csv
import datetime
import json
import os
import platform
import sys

STAGES = ["teacher", "student-scratch", "student", "pruned"]


def main():
    samples_path, run_dir, code, command, out = sys.argv[1:6]
    rows = list(csv.DictReader(open(samples_path), delimiter="\t"))
    pids = sorted({r["pid"] for r in rows}, key=int)
    # The last sample of each (stage, epoch, pid): the process as that epoch ends.
    last = {}
    for r in rows:
        if r["stage"] == "-":
            continue
        last[(r["stage"], int(r["epoch"]), r["pid"])] = r
    epochs = []
    for stage in STAGES:
        for epoch in sorted({k[1] for k in last if k[0] == stage}):
            entry = {"stage": stage, "epoch": epoch + 1, "executors": {}}
            for pid in pids:
                r = last.get((stage, epoch, pid))
                if r:
                    entry["executors"][pid] = {"threads": int(r["threads"]), "rss_mib": round(int(r["rss_kib"]) / 1024),
                                               "step": int(r["step"])}
            epochs.append(entry)
    steps = {}
    for stage in STAGES:
        p = os.path.join(run_dir, stage, "workers.json")
        if os.path.exists(p):
            rec = json.load(open(p))
            steps[stage] = rec.get("total_steps")
    total = sum(v for v in steps.values() if v)
    summary = {}
    for pid in pids:
        series = [e["executors"][pid] for e in epochs if pid in e["executors"]]
        if len(series) < 3:
            continue
        # From the end of the second epoch on: the first builds TensorFlow's pools and gRPC channels.
        base = series[1]
        summary[pid] = {
            "threads_epoch2": base["threads"], "threads_min": min(s["threads"] for s in series[1:]),
            "threads_max": max(s["threads"] for s in series[1:]), "threads_last": series[-1]["threads"],
            "rss_mib_epoch2": base["rss_mib"], "rss_mib_max": max(s["rss_mib"] for s in series[1:]),
            "rss_mib_last": series[-1]["rss_mib"],
            "threads_growth_percent": round(100.0 * (series[-1]["threads"] - base["threads"]) / base["threads"], 2),
            "rss_growth_percent": round(100.0 * (series[-1]["rss_mib"] - base["rss_mib"]) / base["rss_mib"], 2),
        }
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "command": command, "exit_code": int(code), "cpus": os.cpu_count(), "machine": platform.machine(),
        "data_parallel_steps_per_worker": total, "steps_per_stage": steps,
        "executors": summary, "per_epoch": epochs, "samples": len(rows),
    }
    json.dump(result, open(out + ".json", "w"), indent=2)

    lines = ["# Soak: the data-parallel path over a long run", "",
             f"`{command}` on {result['date'][:19]}Z ({result['cpus']} CPUs), standalone cluster on 127.0.0.1 "
             f"(Master + 2 Workers, one executor JVM each). Exit code {code}; {total:,} data-parallel steps per "
             f"worker ({', '.join(f'{k} {v:,}' for k, v in steps.items() if v)}). Native threads "
             f"(`/proc/<pid>/task`) and resident memory (`VmRSS`) of each executor JVM, sampled every few "
             f"seconds; the table shows the last sample of each epoch.", "",
             "| stage | epoch | " + " | ".join(f"executor {i + 1} threads | executor {i + 1} RSS MiB" for i in range(len(pids))) + " |",
             "|---|---:|" + "---:|---:|" * len(pids)]
    for e in epochs:
        cells = []
        for pid in pids:
            x = e["executors"].get(pid)
            cells += [str(x["threads"]), str(x["rss_mib"])] if x else ["", ""]
        lines.append(f"| {e['stage']} | {e['epoch']} | " + " | ".join(cells) + " |")
    lines += ["", "| executor | threads at epoch 2 | min–max after | last | growth | RSS MiB at epoch 2 | max after | last | growth |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for i, pid in enumerate(pids):
        s = summary.get(pid)
        if s:
            lines.append(f"| {i + 1} (pid {pid}) | {s['threads_epoch2']} | {s['threads_min']}–{s['threads_max']} | "
                         f"{s['threads_last']} | {s['threads_growth_percent']:+.1f} % | {s['rss_mib_epoch2']} | "
                         f"{s['rss_mib_max']} | {s['rss_mib_last']} | {s['rss_growth_percent']:+.1f} % |")
    text = "\n".join(lines) + "\n"
    open(out + ".md", "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
