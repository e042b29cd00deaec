#!/usr/bin/env bash
# Prepares, runs and grades the reference solutions of the given competitions, the way
# `dojo validate` will: the solution sees only the task's public/ (DOJO_DATA) and writes
# submission.csv into DOJO_OUTPUT; a table of metric, score, human rank and seconds follows.
#
# Usage: scripts/run-reference.sh ID...
# Env:   DOJO_CORPUS  folder with <id>/<archive>.zip|.tar.gz  (default /work/shared/corpus)
#        DOJO_REF_DIR scratch folder for raw/, curated/, out/   (default /tmp/dojo-reference)
# Example: scripts/run-reference.sh titanic-survival tweet-source
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 ID..." >&2
  exit 2
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${DOJO_CORPUS:-/work/shared/corpus}
work=${DOJO_REF_DIR:-/tmp/dojo-reference}
dojo="$repo/.build/debug/dojo"
python="$repo/.venv/bin/python"

if [ ! -x "$python" ]; then
  echo "creating $repo/.venv from requirements.txt" >&2
  python3 -m venv "$repo/.venv"
  "$repo/.venv/bin/pip" install --quiet -r "$repo/requirements.txt"
fi
if [ ! -x "$dojo" ]; then
  echo "building dojo" >&2
  (cd "$repo" && swift build --product dojo 2>&1 | grep -E "error" >&2 || true)
  [ -x "$dojo" ] || { echo "error: could not build $dojo" >&2; exit 1; }
fi

mkdir -p "$work"
cd "$work"

# Prints one table row for $1; runs in a command substitution with its own errexit, so any
# failing step stops this competition only.
run_one() {
  set -e
  local id=$1 step=unpack
  trap 'echo "$id: failed at $step" >&2' ERR
  local manifest="$repo/manifests/$id" archive task start seconds
  archive=$(find "$corpus/$id" -maxdepth 1 -type f \( -name '*.zip' -o -name '*.tar.gz' \) | head -n 1)
  [ -n "$archive" ] || { echo "error: no archive in $corpus/$id" >&2; return 1; }
  rm -rf "raw/$id" && mkdir -p "raw/$id/files"
  bsdtar -xf "$archive" -C "raw/$id/files"
  # nested archives (diamond-prices ships train.csv.zip) are opened in place
  find "raw/$id/files" -name '*.csv.zip' -print0 | while IFS= read -r -d '' nested; do
    bsdtar -xf "$nested" -C "$(dirname "$nested")" && rm "$nested"
  done

  step=prepare
  task=$("$dojo" prepare "$manifest" | sed -n 's/.* -> //p' | tail -n 1)
  [ -d "$task/public" ] || { echo "error: prepare gave no task for $id" >&2; return 1; }

  step=solution
  rm -rf "out/$id" && mkdir -p "out/$id"
  start=$(date +%s.%N)
  if ! DOJO_DATA="$task/public" DOJO_OUTPUT="$work/out/$id" \
    timeout 300 "$python" "$manifest/solution.py" >"out/$id.log" 2>&1; then
    echo "error: $id solution failed, see $work/out/$id.log" >&2
    tail -n 5 "out/$id.log" >&2
    return 1
  fi
  seconds=$(echo "$(date +%s.%N) - $start" | bc)

  step=grade
  "$dojo" grade "$task" "out/$id/submission.csv" --json >"out/$id.grade.json"
  "$python" - "$id" "$task/private/task.json" "out/$id.grade.json" "$seconds" <<'PY'
import json, sys
id, task, grade, seconds = sys.argv[1:]
metric = json.load(open(task))["metric"]["name"]
g = json.load(open(grade))
print(f"{id:24} {metric:20} {g['score']:<12.6g} {g['human_rank']:<10.3f} {str(g['above_median']):<12} {float(seconds):.1f}")
PY
}

failed=0
rows=()
for id in "$@"; do
  set +e
  row=$(run_one "$id")
  status=$?
  set -e
  if [ "$status" -ne 0 ]; then
    row=$(printf '%-24s FAILED' "$id")
    failed=1
  fi
  rows+=("$row")
done

printf '%-24s %-20s %-12s %-10s %-12s %s\n' competition metric score human_rank above_median seconds
printf '%s\n' "${rows[@]}"
exit "$failed"
