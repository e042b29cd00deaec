"""Split for stanford-covid-vaccine: the labels are per-position arrays in JSON lines
(train.json), so the split is written here.

As MLE-bench does: 10% of the sequences (int(0.1 * rows)), drawn from those with SN_filter > 0,
go to the test side (seed 0); the answers hold one row per scored position (id_seqpos =
<id>_<position>, positions below seq_scored) with the three scored targets. Dojo runs this as
`python3 prepare.py RAW OUT` with RAW read-only; deterministic (a seeded Mersenne Twister, whose
sequence Python pins; rows written in archive order).
"""

import csv
import json
import os
import random
import sys

from dojo_split import find, place  # Dojo\'s script library, on the import path in the sandbox

SCORED = ["reactivity", "deg_Mg_pH10", "deg_Mg_50C"]
LABELS = ["reactivity", "deg_Mg_pH10", "deg_pH10", "deg_Mg_50C", "deg_50C"]
# Per-sequence label fields that must not reach the public test file.
HIDDEN = LABELS + [
    "reactivity_error", "deg_error_Mg_pH10", "deg_error_pH10", "deg_error_Mg_50C",
    "deg_error_50C", "signal_to_noise", "SN_filter"]


def main(raw, out):
    with open(find(raw, "train.json"), encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    rows = [json.loads(line) for line in lines]
    candidates = [i for i, r in enumerate(rows) if float(r["SN_filter"]) > 0]
    test = set(random.Random(0).sample(candidates, int(len(rows) * 0.1)))
    public, private = os.path.join(out, "public"), os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    sums, count = [0.0] * len(SCORED), 0
    with open(os.path.join(public, "train.json"), "w", encoding="utf-8") as ftr, open(
        os.path.join(public, "test.json"), "w", encoding="utf-8"
    ) as fte, open(os.path.join(private, "answers.csv"), "w", newline="", encoding="utf-8") as fa:
        answers = csv.writer(fa, lineterminator="\n")
        answers.writerow(["id_seqpos"] + SCORED)
        ids = []
        for i, (line, row) in enumerate(zip(lines, rows)):
            if i not in test:
                ftr.write(line if line.endswith("\n") else line + "\n")
                for k, c in enumerate(SCORED):
                    sums[k] += sum(row[c][: row["seq_scored"]])
                count += row["seq_scored"]
                continue
            public_row = {k: v for k, v in row.items() if k not in HIDDEN}
            fte.write(json.dumps(public_row) + "\n")
            for j in range(row["seq_scored"]):
                ids.append(f"{row['id']}_{j}")
                answers.writerow([ids[-1]] + [repr(float(row[c][j])) for c in SCORED])
    mean = [repr(s / max(1, count)) for s in sums]
    with open(os.path.join(public, "sample_submission.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id_seqpos"] + SCORED)
        w.writerows([i] + mean for i in ids)
    # The base-pair probability matrices are features of every sequence, test ones included.
    bpps = os.path.join(os.path.dirname(find(raw, "train.json")), "bpps")
    if os.path.isdir(bpps):
        for row in rows:
            src = os.path.join(bpps, row["id"] + ".npy")
            if os.path.isfile(src):
                place(src, os.path.join(public, "bpps", row["id"] + ".npy"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
