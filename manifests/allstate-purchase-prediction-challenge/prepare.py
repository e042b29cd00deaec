"""Split for allstate-purchase-prediction-challenge: the answer is each held-out customer's purchased plan.

No row split fits: customers (all their rows) are split, the test side keeps only each test
customer's quotes (record_type 0), and the answer is the plan they bought (the record_type 1
row's options A-G joined, e.g. 1022213). Dojo runs this as `python3 prepare.py RAW OUT` with
RAW read-only; it writes OUT/public/ and OUT/private/answers.csv, and Dojo then checksums and
checks the result like any declarative split. Deterministic: customers are chosen by a seeded
Mersenne Twister (whose sequence Python pins) and every file is written in archive order.
"""

import csv
import os
import random
import sys

from dojo_split import find  # Dojo\'s script library, on the import path in the sandbox

SEED = 42
TEST_FRACTION = 0.365  # MLE-Dojo: test customers / all customers of the archive = 55716 / 152725
OPTIONS = ["A", "B", "C", "D", "E", "F", "G"]


def main(raw: str, out: str) -> None:
    with open(find(raw, "train.csv"), newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    col = {c: i for i, c in enumerate(header)}
    for c in ["customer_ID", "record_type"] + OPTIONS:
        if c not in col:
            sys.exit(f"prepare.py: train.csv has no column {c!r}")
    customers = []
    purchase = {}
    for row in rows:
        cid = row[col["customer_ID"]]
        if not customers or customers[-1] != cid:
            customers.append(cid)
        if row[col["record_type"]] == "1":
            purchase[cid] = "".join(row[col[o]] for o in OPTIONS)
    eligible = sorted(c for c in set(customers) if c in purchase)
    rng = random.Random(SEED)
    test = set(rng.sample(eligible, round(len(set(customers)) * TEST_FRACTION)))

    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    with open(os.path.join(public, "train.csv"), "w", newline="", encoding="utf-8") as ftr, open(
        os.path.join(public, "test.csv"), "w", newline="", encoding="utf-8"
    ) as fte:
        wtr, wte = csv.writer(ftr, lineterminator="\n"), csv.writer(fte, lineterminator="\n")
        wtr.writerow(header)
        wte.writerow(header)
        for row in rows:
            cid = row[col["customer_ID"]]
            if cid not in test:
                wtr.writerow(row)
            elif row[col["record_type"]] == "0":
                wte.writerow(row)
    ordered = [c for c in customers if c in test]
    with open(os.path.join(private, "answers.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer_ID", "plan"])
        w.writerows([c, purchase[c]] for c in ordered)
    with open(os.path.join(public, "sample_submission.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer_ID", "plan"])
        w.writerows([c, "1111111"] for c in ordered)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
