"""Split for integer-sequence-learning: the answer is the last term of each held-out sequence.

No row split fits: a test row is a training sequence with its last term cut off, and that
term is the answer. Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it
writes OUT/public/ and OUT/private/answers.csv, and Dojo then checksums and checks the
result like any declarative split. Deterministic: sequences are chosen by a seeded Mersenne
Twister (whose sequence Python pins) and written in archive order.
"""

import csv
import os
import random
import sys

from dojo_split import find  # Dojo\'s script library, on the import path in the sandbox

SEED = 42
TEST_FRACTION = 0.2  # MLE-Dojo holds out 20% of the training sequences


def main(raw: str, out: str) -> None:
    with open(find(raw, "train.csv"), newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    if header != ["Id", "Sequence"]:
        sys.exit(f"prepare.py: train.csv has columns {header}, expected Id,Sequence")
    candidates = [i for i, (_, seq) in enumerate(rows) if len(seq.split(",")) >= 2]
    rng = random.Random(SEED)
    test = set(rng.sample(candidates, round(len(rows) * TEST_FRACTION)))

    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    with open(os.path.join(public, "train.csv"), "w", newline="", encoding="utf-8") as ftr, open(
        os.path.join(public, "test.csv"), "w", newline="", encoding="utf-8"
    ) as fte, open(os.path.join(private, "answers.csv"), "w", newline="", encoding="utf-8") as fa, open(
        os.path.join(public, "sample_submission.csv"), "w", newline="", encoding="utf-8"
    ) as fs:
        wtr, wte, wa, ws = (csv.writer(x, lineterminator="\n") for x in (ftr, fte, fa, fs))
        wtr.writerow(header)
        wte.writerow(header)
        wa.writerow(["Id", "Last"])
        ws.writerow(["Id", "Last"])
        for i, (rid, seq) in enumerate(rows):
            if i in test:
                terms = seq.split(",")
                wte.writerow([rid, ",".join(terms[:-1])])
                wa.writerow([rid, terms[-1]])
                ws.writerow([rid, "0"])
            else:
                wtr.writerow([rid, seq])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
