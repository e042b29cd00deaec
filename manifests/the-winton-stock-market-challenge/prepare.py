"""Split for the-winton-stock-market-challenge: each test row asks for 62 returns, so the
answers are melted into one row per return and the split is written here.

As MLE-Dojo does: the test side is rows(test_2) / rows(train + test_2) = 120000 / 160000 =
0.75 of train.csv (seed 42); the public test table drops the 60 intraday returns to predict
(Ret_121 .. Ret_180), Ret_PlusOne, Ret_PlusTwo and the weights; the answers hold, per test row
and return k = 1 .. 62, Id = <Id>_<k>, Predicted (the return) and Weight (Weight_Intraday for
k <= 60, Weight_Daily for the two daily returns). The sample submission predicts 0. Dojo runs
this as `python3 prepare.py RAW OUT` with RAW read-only; deterministic (a seeded Mersenne
Twister, whose sequence Python pins; rows written in archive order).
"""

import csv
import os
import random
import sys

from dojo_split import find  # Dojo\'s script library, on the import path in the sandbox

TEST_FRACTION = 0.75
SEED = 42
INTRADAY = [f"Ret_{i}" for i in range(121, 181)]
DAILY = ["Ret_PlusOne", "Ret_PlusTwo"]
WEIGHTS = ["Weight_Intraday", "Weight_Daily"]


def main(raw, out):
    with open(find(raw, "train.csv"), newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    at = {c: i for i, c in enumerate(header)}
    for c in ["Id"] + INTRADAY + DAILY + WEIGHTS:
        if c not in at:
            sys.exit(f"prepare.py: train.csv has no column {c!r}")
    test = set(random.Random(SEED).sample(range(len(rows)), round(len(rows) * TEST_FRACTION)))
    hidden = {at[c] for c in INTRADAY + DAILY + WEIGHTS}
    shown = [i for i in range(len(header)) if i not in hidden]
    public, private = os.path.join(out, "public"), os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    with open(os.path.join(public, "train.csv"), "w", newline="", encoding="utf-8") as ftr, open(
        os.path.join(public, "test.csv"), "w", newline="", encoding="utf-8"
    ) as fte, open(os.path.join(private, "answers.csv"), "w", newline="", encoding="utf-8") as fa, open(
        os.path.join(public, "sample_submission.csv"), "w", newline="", encoding="utf-8"
    ) as fs:
        train, testw, answers, sample = (
            csv.writer(f, lineterminator="\n") for f in (ftr, fte, fa, fs))
        train.writerow(header)
        testw.writerow([header[i] for i in shown])
        answers.writerow(["Id", "Predicted", "Weight"])
        sample.writerow(["Id", "Predicted"])
        for n, row in enumerate(rows):
            if n not in test:
                train.writerow(row)
                continue
            testw.writerow([row[i] for i in shown])
            for k, column in enumerate(INTRADAY + DAILY, start=1):
                weight = row[at["Weight_Intraday"]] if k <= 60 else row[at["Weight_Daily"]]
                answers.writerow([f"{row[at['Id']]}_{k}", row[at[column]], weight])
                sample.writerow([f"{row[at['Id']]}_{k}", "0"])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
