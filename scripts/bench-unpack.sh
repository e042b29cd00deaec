#!/usr/bin/env bash
# Times `dojo unpack` against `bsdtar -xf` and Python's zipfile.extractall (what MLE-bench
# uses) on a ~500 MB deflated zip of CSV files, 3 runs each, and prints the medians.
# The input is generated into /tmp (never committed); run from the repository root.
#   scripts/bench-unpack.sh            # builds `dojo` in release mode first
#   SKIP_BUILD=1 scripts/bench-unpack.sh
set -euo pipefail

WORK=${BENCH_DIR:-/tmp/dojo-bench-unpack}
ZIP="$WORK/input.zip"
RUNS=${RUNS:-3}
mkdir -p "$WORK"

if [[ -z "${SKIP_BUILD:-}" ]]; then
  swift build -c release --product dojo 2>&1 | grep -E "error|warning" || true
fi
DOJO="$(swift build -c release --show-bin-path)/dojo"

if [[ ! -f "$ZIP" ]]; then
  echo "generating $ZIP ..." >&2
  python3 - "$ZIP" <<'PY'
import random, sys, zipfile
random.seed(0)
path = sys.argv[1]
# 28 CSV files of ~40 MB each (~1.1 GB; the zip is ~490 MB): random floats and ints, like a Kaggle tabular train set.
with zipfile.ZipFile(path + ".tmp", "w", compression=zipfile.ZIP_DEFLATED) as z:
    for i in range(28):
        with z.open(f"data/part-{i}.csv", "w", force_zip64=True) as f:
            f.write(b"id,a,b,c,d,label\n")
            rows = []
            for r in range(1_000_000):
                rows.append(f"{r},{random.random():.6f},{random.gauss(0, 1):.5f},"
                            f"{random.randint(0, 10**6)},{random.random() * 100:.3f},"
                            f"{random.randint(0, 1)}\n")
                if len(rows) == 50_000:
                    f.write("".join(rows).encode())
                    rows = []
            f.write("".join(rows).encode())
import os
os.replace(path + ".tmp", path)
PY
fi
ls -l "$ZIP" >&2
unzip -l "$ZIP" | tail -1 >&2

# Times one run of a command into a fresh folder, appending the seconds to $WORK/NAME.times.
time_once() {
  local name=$1; shift
  rm -rf "$WORK/out" && sync
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l >>"$WORK/$name.times"
  rm -rf "$WORK/out"
}

median() { sort -g "$WORK/$1.times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

rm -f "$WORK"/*.times
echo "load before: $(uptime | sed 's/.*load average/load average/')"
# Rounds interleave the tools so that other work on the machine hits them alike.
for _ in $(seq "$RUNS"); do
  time_once dojo "$DOJO" unpack "$ZIP" --out "$WORK/out"
  time_once bsdtar bash -c "mkdir -p '$WORK/out' && bsdtar -xf '$ZIP' -C '$WORK/out'"
  time_once zipfile python3 -c \
    "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$ZIP" "$WORK/out"
done
echo "load after: $(uptime | sed 's/.*load average/load average/')"
for tool in dojo bsdtar zipfile; do
  printf '%-8s runs: %s  median: %.2f s\n' "$tool" \
    "$(xargs printf '%.2f ' <"$WORK/$tool.times")" "$(median "$tool")"
done
awk -v d="$(median dojo)" -v b="$(median bsdtar)" -v z="$(median zipfile)" \
  'BEGIN { printf "dojo/bsdtar: %.2fx   dojo/zipfile: %.2fx\n", d / b, d / z }'
