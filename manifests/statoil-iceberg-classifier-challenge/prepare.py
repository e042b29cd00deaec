"""Split for statoil-iceberg-classifier-challenge: the images are JSON records (two radar bands each); held-out records lose is_iceberg.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: records are chosen by a seeded Mersenne Twister (whose sequence Python
pins) and written in archive order.
"""

import csv
import json
import os
import random
import sys

TRAIN = "train.json"
TEST = "test.json"  # its records name the fields a test image may show
ID = "id"
TARGET = "is_iceberg"
TEST_FRACTION = 0.2  # MLE-bench holds out 20%
SEED = 0
PUBLIC_TRAIN = "train.json"
PUBLIC_TEST = "test.json"


def find(raw: str, name: str) -> str:
    """The file called `name`: at that path, or the first of that name below RAW."""
    direct = os.path.join(raw, name)
    if os.path.isfile(direct):
        return direct
    for root, dirs, files in sorted(os.walk(raw)):
        dirs.sort()
        if name in files:
            return os.path.join(root, name)
    sys.exit(f"prepare.py: {name} not found under {raw}")


def write_csv(path: str, header, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main(raw: str, out: str) -> None:
    with open(find(raw, TRAIN), encoding="utf-8") as f:
        records = json.load(f)
    if TEST is not None:
        with open(find(raw, TEST), encoding="utf-8") as f:
            kaggle_test = json.load(f)
        test_fields = list(kaggle_test[0].keys())
    else:
        test_fields = [k for k in records[0] if k != TARGET]
    fraction = TEST_FRACTION
    if fraction is None:
        fraction = len(kaggle_test) / (len(records) + len(kaggle_test))
    rng = random.Random(SEED)
    held = set(rng.sample(range(len(records)), round(len(records) * fraction)))
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    train = [r for i, r in enumerate(records) if i not in held]
    test = [r for i, r in enumerate(records) if i in held]
    with open(os.path.join(public, PUBLIC_TRAIN), "w", encoding="utf-8") as f:
        json.dump(train, f)
    with open(os.path.join(public, PUBLIC_TEST), "w", encoding="utf-8") as f:
        json.dump([{k: r[k] for k in test_fields if k in r and k != TARGET} for r in test], f)
    answers = [[r[ID], int(r[TARGET])] for r in test]
    write_csv(os.path.join(private, "answers.csv"), [ID, TARGET], answers)
    prior = sum(int(r[TARGET]) for r in train) / max(1, len(train))
    write_csv(os.path.join(public, "sample_submission.csv"), [ID, TARGET], [[a[0], repr(prior)] for a in answers])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
