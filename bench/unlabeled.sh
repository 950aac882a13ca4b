#!/usr/bin/env bash
# What unlabeled rows are worth: a teacher and a student trained on 6,000 labelled rows of the built-in
# set, and the same student distilled on those 6,000 plus the other 54,000 training rows without their
# labels (data.unlabeled: rest). Also the student distilled on the 6,000 alone, to separate what the
# unlabeled rows add from what distillation adds. Full test set.
# Writes bench/results/unlabeled.json and unlabeled.md.
#   bench/unlabeled.sh [--set key=value ...]     (extra settings for both runs)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
OUT="${DISTILLERY_BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$OUT"
COMMON=(--set run_dir="$OUT/runs" --set publish.base_path="$OUT/models" --set data.limit=6000
        --set teacher.epochs=20 --set teacher.augment=shift\(2\),flip --set teacher.lr_schedule=cosine "$@")
run() {  # run-id, extra settings...
  local id="$1"; shift
  bin/distillery teacher --run-id "$id" "${COMMON[@]}" "$@" >"$OUT/$id.log" 2>&1
  bin/distillery distill --run-id "$id" "${COMMON[@]}" "$@" >>"$OUT/$id.log" 2>&1
}
run labelled-only
run with-unlabeled --set data.unlabeled=rest
python3 - "$OUT" "$*" <<'PY'
import json, sys, os
out, extra = sys.argv[1], sys.argv[2]
def acc(run, stage):
    return json.load(open(f"{out}/runs/{run}/{stage}/result.json"))["test_accuracy"]
rows = {
    "teacher (6,000 labelled)": acc("with-unlabeled", "teacher"),
    "student alone (6,000 labelled)": acc("with-unlabeled", "student-scratch"),
    "student distilled (6,000 labelled)": acc("labelled-only", "student"),
    "student distilled (6,000 labelled + 54,000 unlabeled)": acc("with-unlabeled", "student"),
}
base = rows["student alone (6,000 labelled)"]
result = {"command": "bench/unlabeled.sh " + extra, "test_rows": 10000,
          "accuracy": rows, "gain_points_over_student_alone":
          {k: round(100 * (v - base), 2) for k, v in rows.items() if k.startswith("student distilled")}}
here = os.getcwd()
json.dump(result, open(f"{here}/bench/results/unlabeled.json", "w"), indent=2)
with open(f"{here}/bench/results/unlabeled.md", "w") as f:
    f.write(f"# Unlabeled data\n\n`{result['command'].strip()}` (one run, this machine)\n\n")
    f.write("| model | test accuracy | vs student alone |\n|---|---:|---:|\n")
    for k, v in rows.items():
        f.write(f"| {k} | {v:.4f} | {100 * (v - base):+.2f} |\n")
print(open(f"{here}/bench/results/unlabeled.md").read())
PY
