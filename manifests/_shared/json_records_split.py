"""The split that the JSON-record competitions share: records drawn for the test side lose the
fields Kaggle's own test records lack.

A script sets its configuration and calls `run`; Dojo runs the script as
`python3 prepare.py RAW OUT` with RAW read-only. This file is part of the version of every
task whose script uses it.
"""

import json
import os
import random
import sys

from split_files import configure, find, write_csv

# The configuration, set by `run` from the calling script; a script passes only what
# differs from these defaults (ID and TARGET are required).
TRAIN = "train.json"
TEST = "test.json"  # its records name the fields a test record may show
ID = None
TARGET = None
TEST_FRACTION = None  # None: Kaggle's test / (train + test) records, as MLE-Dojo holds out
SEED = 0
PUBLIC_TRAIN = "train.json"
PUBLIC_TEST = "test.json"

_DEFAULTS = {k: v for k, v in dict(globals()).items() if k.isupper()}


def run(**settings) -> None:
    """Sets the configuration (names as above; only what differs from the defaults is
    needed) and runs the split on `sys.argv`."""
    raw, out = configure(globals(), _DEFAULTS, settings, required=["ID", "TARGET"])
    main(raw, out)


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
