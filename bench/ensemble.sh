#!/usr/bin/env bash
# An ensemble of teachers and unlabeled rows: N teachers trained on the first 6,000 labelled rows of
# the built-in set (seeds 1..N, each kept by its run as teacher/savedmodel), then brought together as
# teacher.saved_model to distill the student on those 6,000 rows plus the other 54,000 without their
# labels (data.unlabeled: rest). Also the student from the first teacher alone, and from the ensemble
# on the 6,000 alone, to separate what each part adds; then a second generation (Noisy Student): the
# ensemble teaches a teacher-sized student on all 60,000 rows, which then teaches the small student;
# then the ResNet-style preset as the teacher (60 epochs on the 6,000), alone and in an ensemble of 4.
# Full test set.
# Writes bench/results/ensemble.json and ensemble.md.
#   bench/ensemble.sh [teachers=3] [--set key=value ...]     (extra settings for every run)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
N=3
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then N="$1"; shift; fi
OUT="${DISTILLERY_BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$OUT"
TEACHER_LAYERS="[conv2d(32,3,relu,same),conv2d(32,3,relu,same),maxpool(2),dropout(0.25),conv2d(64,3,relu,same),maxpool(2),dropout(0.25),flatten,dense(256,relu),dropout(0.5),dense(10)]"
COMMON=(--set run_dir="$OUT/runs" --set publish.base_path="$OUT/models" --set data.limit=6000
        --set teacher.layers="$TEACHER_LAYERS" --set teacher.epochs=40
        --set teacher.augment=shift\(2\),flip --set teacher.lr_schedule=cosine "$@")
URIS=()
for i in $(seq 1 "$N"); do
  echo "teacher $i of $N"
  bin/distillery teacher --run-id "teacher-$i" "${COMMON[@]}" --set seed="$i" >"$OUT/teacher-$i.log" 2>&1
  URIS+=("$OUT/runs/teacher-$i/teacher/savedmodel")
done
ALL="$(IFS=,; echo "${URIS[*]}")"
distill() {  # run-id, extra settings...
  local id="$1"; shift
  echo "student: $id"
  bin/distillery teacher --run-id "$id" "${COMMON[@]}" "$@" >"$OUT/$id.log" 2>&1
  bin/distillery distill --run-id "$id" "${COMMON[@]}" "$@" >>"$OUT/$id.log" 2>&1
}
distill one-teacher --set teacher.saved_model.uris="${URIS[0]}" --set data.unlabeled=rest
distill ensemble-labelled --set teacher.saved_model.uris="$ALL"
distill ensemble --set teacher.saved_model.uris="$ALL" --set data.unlabeled=rest
# Noisy Student (Xie et al. 2020): the ensemble teaches a student as big as a teacher, with augmentation
# and dropout, on the 6,000 and the unlabeled 54,000; that student (its run keeps it as
# student/savedmodel) is the second-generation teacher of the small student.
distill generation-2 --set teacher.saved_model.uris="$ALL" --set data.unlabeled=rest \
  --set student.layers="$TEACHER_LAYERS" --set student.epochs=10 --set student.augment=shift\(2\),flip \
  --set student.lr_schedule=cosine
distill generation-2-student --set teacher.saved_model.uris="$OUT/runs/generation-2/student/savedmodel" \
  --set data.unlabeled=rest
# A stronger teacher on the same 6,000 labels: the ResNet-style preset, 60 epochs; alone, and with
# the three CNNs in an ensemble of four.
BASE=(--set run_dir="$OUT/runs" --set publish.base_path="$OUT/models" --set data.limit=6000)
echo "teacher: resnet-6k"
bin/distillery teacher --run-id resnet-6k -c cluster-conf/resnet-teacher.yaml "${BASE[@]}" \
  --set teacher.epochs=60 >"$OUT/resnet-6k.log" 2>&1
brought() {  # run-id, teacher URIs: the default student from those teachers, with the unlabeled rows
  local id="$1" uris="$2"
  echo "student: $id"
  for command in teacher distill; do
    bin/distillery "$command" --run-id "$id" "${BASE[@]}" --set teacher.saved_model.uris="$uris" \
      --set data.unlabeled=rest >>"$OUT/$id.log" 2>&1
  done
}
RESNET="$OUT/runs/resnet-6k/teacher/savedmodel"
brought resnet-student "$RESNET"
brought ensemble4-student "$RESNET,$ALL"
python3 - "$OUT" "$N" "$*" <<'PY'
import json, sys, os
out, n, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def result(run, stage):
    return json.load(open(f"{out}/runs/{run}/{stage}/result.json"))["test_accuracy"]
teachers = json.load(open(f"{out}/runs/ensemble/teacher/teachers.json"))
rows = {}
for i in range(n):
    rows[f"teacher {i + 1} (seed {i + 1}, 6,000 labelled)"] = result(f"teacher-{i + 1}", "teacher")
rows[f"ensemble of the {n} teachers"] = teachers["test_accuracy"]
rows["student alone (6,000 labelled)"] = result("ensemble", "student-scratch")
rows["student distilled from teacher 1 (6,000 labelled + 54,000 unlabeled)"] = result("one-teacher", "student")
rows["student distilled from the ensemble (6,000 labelled)"] = result("ensemble-labelled", "student")
rows["student distilled from the ensemble (6,000 labelled + 54,000 unlabeled)"] = result("ensemble", "student")
rows["ResNet-style teacher (cluster-conf/resnet-teacher.yaml, 60 epochs, 6,000 labelled)"] = result("resnet-6k", "teacher")
rows["ensemble of the ResNet and the 3 CNNs"] = json.load(open(f"{out}/runs/ensemble4-student/teacher/teachers.json"))["test_accuracy"]
rows["student distilled from the ResNet (6,000 labelled + 54,000 unlabeled)"] = result("resnet-student", "student")
rows["student distilled from the ensemble of 4 (6,000 labelled + 54,000 unlabeled)"] = result("ensemble4-student", "student")
rows["generation-2 teacher (the ensemble's student, 6,000 labelled + 54,000 unlabeled)"] = result("generation-2", "student")
rows["student distilled from the generation-2 teacher (6,000 labelled + 54,000 unlabeled)"] = result("generation-2-student", "student")
base = rows["student alone (6,000 labelled)"]
result_json = {"command": ("bench/ensemble.sh " + str(n) + " " + extra).strip(), "test_rows": 10000,
               "accuracy": rows, "teachers_measured_by_the_run": teachers,
               "gain_points_over_student_alone":
                   {k: round(100 * (v - base), 2) for k, v in rows.items() if k.startswith("student distilled")}}
here = os.getcwd()
os.makedirs(f"{here}/bench/results", exist_ok=True)
json.dump(result_json, open(f"{here}/bench/results/ensemble.json", "w"), indent=2)
with open(f"{here}/bench/results/ensemble.md", "w") as f:
    f.write(f"# Ensemble of teachers and unlabeled data\n\n`{result_json['command']}` (one run, this machine)\n\n")
    f.write("| model | test accuracy | vs student alone |\n|---|---:|---:|\n")
    for k, v in rows.items():
        f.write(f"| {k} | {v:.4f} | {100 * (v - base):+.2f} |\n")
print(open(f"{here}/bench/results/ensemble.md").read())
PY
