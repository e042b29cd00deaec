"""The table split that many catalogue scripts share: their `prepare.py` only sets its
configuration and calls `run`.

A script covers what a declarative split cannot say yet (an id to number or build from parts,
columns to drop from the public test table, unlabelled rows to leave out, another delimiter or
encoding, a subset of rows to score). Deterministic: rows are chosen by a seeded Mersenne
Twister (whose sequence Python pins) and written in archive order. Dojo runs the script as
`python3 prepare.py RAW OUT` with RAW read-only; the script writes OUT/public/ and
OUT/private/answers.csv. This file is part of the version of every task whose script uses it.
"""

import csv
import os
import random
import shutil
import sys

from split_files import configure, find

# The configuration, set by `run` from the calling script; a script passes only what
# differs from these defaults (TARGETS and TEST_FRACTION or TEST_ROWS are required).
TRAIN = "train.csv"  # the labelled table, by its name in the archive
ID = None  # the id column (None: rows are numbered from 0 into NEW_ID)
NEW_ID = "id"
ID_PARTS = []  # columns joined by "_" into NEW_ID when no single column identifies a row
RENAME_FIRST = None  # a new name for the first column (Kaggle left it unnamed)
TARGETS = None  # the target column(s)
DROP = []  # columns removed from the public test table besides the targets
TEST_FRACTION = None  # the share of rows held out ...
TEST_ROWS = None  # ... or their number
SEED = 0
STRATIFY = None  # a column whose classes keep their share on both sides
GROUP = None  # a column whose values stay together on one side
DROP_UNLABELLED = False  # rows whose target is empty are left out
EXTRA = []  # archive files copied to public/ unchanged
PUBLIC_TRAIN = "train.csv"
PUBLIC_TEST = "test.csv"
LABELS = False  # targets are labels: the sample submission holds the most frequent one
CLASSES_FROM_TRAIN = False  # the sample submission holds one prior probability column per class
DELIMITER = ","
ENCODING = "utf-8"
ANSWER_WHERE = None  # (column, value): only test rows with that value are scored
QUOTE_NONE = False  # fields are never quoted (quote characters are data)
ESCAPECHAR = None  # the character that escapes a quote inside a quoted field
PROBABILITY_OF = None  # the sample submission holds the share of training rows with this label


_DEFAULTS = {k: v for k, v in dict(globals()).items() if k.isupper()}


def run(**settings) -> None:
    """Sets the configuration (names as above; only what differs from the defaults is
    needed) and runs the split on `sys.argv`."""
    raw, out = configure(globals(), _DEFAULTS, settings, required=["TARGETS"])
    if TEST_FRACTION is None and TEST_ROWS is None:
        sys.exit("prepare.py: set TEST_FRACTION or TEST_ROWS")
    main(raw, out)


def rows(path: str):
    with open(path, newline="", encoding=ENCODING) as f:
        reader = csv.reader(
            f, delimiter=DELIMITER, escapechar=ESCAPECHAR,
            quoting=csv.QUOTE_NONE if QUOTE_NONE else csv.QUOTE_MINIMAL)
        header = next(reader)
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        yield header
        yield from reader


def row_id(header_index, row, number):
    if ID_PARTS:
        return "_".join(row[header_index[c]] for c in ID_PARTS)
    if ID is None:
        return str(number)
    return row[header_index[ID]]


def choose_test(n, keys):
    """Row numbers of the test side, from a seeded Mersenne Twister (Python pins its sequence)."""
    rng = random.Random(SEED)
    want = TEST_ROWS if TEST_ROWS is not None else round(n * TEST_FRACTION)
    if GROUP is None and STRATIFY is None:
        return set(rng.sample(range(n), want))
    by_key = {}
    for i, k in enumerate(keys):
        by_key.setdefault(k, []).append(i)
    chosen = set()
    if STRATIFY is not None:
        for k in sorted(by_key):
            members = by_key[k]
            take = round(len(members) * want / n)
            if len(members) >= 2:
                take = min(max(take, 1), len(members) - 1)
            else:
                take = 0
            chosen.update(rng.sample(members, take))
        return chosen
    groups = sorted(by_key)
    rng.shuffle(groups)
    for g in groups:
        if len(chosen) >= want:
            break
        chosen.update(by_key[g])
    return chosen


def default_row(train_values):
    out = []
    for values in train_values:
        numbers = []
        for v in values:
            try:
                numbers.append(float(v))
            except ValueError:
                numbers = None
                break
        if numbers and not LABELS:
            out.append(repr(sum(numbers) / len(numbers)))
        else:
            counts = {}
            for v in values:
                counts[v] = counts.get(v, 0) + 1
            out.append(min(counts, key=lambda v: (-counts[v], v)) if counts else "")
    return out


def main(raw: str, out: str) -> None:
    path = find(raw, TRAIN)
    it = rows(path)
    header = next(it)
    if RENAME_FIRST is not None:
        header[0] = RENAME_FIRST
    index = {c: i for i, c in enumerate(header)}
    for c in TARGETS + DROP + [x for x in (ID, STRATIFY, GROUP) if x] + ID_PARTS:
        if c not in index:
            sys.exit(f"prepare.py: {TRAIN} has no column {c!r}")
    key_col = STRATIFY or GROUP
    keys, n = [], 0
    for row in it:
        if DROP_UNLABELLED and any(row[index[t]] == "" for t in TARGETS):
            keys.append(None)
        elif key_col:
            keys.append(row[index[key_col]])
        else:
            keys.append("")
        n += 1
    labelled = [i for i, k in enumerate(keys) if k is not None]
    picked = choose_test(len(labelled), [keys[i] for i in labelled])
    test = {labelled[i] for i in picked}
    unlabelled = {i for i, k in enumerate(keys) if k is None}

    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    id_name = ID or NEW_ID
    synthesized = ID is None
    target_idx = [index[t] for t in TARGETS]
    hidden = set(target_idx) | {index[c] for c in DROP}
    test_cols = [i for i in range(len(header)) if i not in hidden]
    train_values = [[] for _ in TARGETS]
    answers = []
    with open(os.path.join(public, PUBLIC_TRAIN), "w", newline="", encoding="utf-8") as ftr, open(
        os.path.join(public, PUBLIC_TEST), "w", newline="", encoding="utf-8"
    ) as fte:
        wtr, wte = csv.writer(ftr, lineterminator="\n"), csv.writer(fte, lineterminator="\n")
        prefix = [id_name] if synthesized or ID_PARTS else []
        wtr.writerow(prefix + header)
        wte.writerow(prefix + [header[i] for i in test_cols])
        it = rows(path)
        next(it)
        for number, row in enumerate(it):
            if number in unlabelled:
                continue
            rid = row_id(index, row, number)
            lead = [rid] if synthesized or ID_PARTS else []
            if number in test:
                wte.writerow(lead + [row[i] for i in test_cols])
                if ANSWER_WHERE is None or row[index[ANSWER_WHERE[0]]] == ANSWER_WHERE[1]:
                    answers.append([rid] + [row[i] for i in target_idx])
            else:
                wtr.writerow(lead + row)
                for k, i in enumerate(target_idx):
                    train_values[k].append(row[i])
    with open(os.path.join(private, "answers.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([id_name] + TARGETS)
        w.writerows(answers)
    with open(os.path.join(public, "sample_submission.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        if CLASSES_FROM_TRAIN:
            classes = sorted(set(train_values[0]))
            counts = {c: 0 for c in classes}
            for v in train_values[0]:
                counts[v] += 1
            total = max(1, len(train_values[0]))
            w.writerow([id_name] + classes)
            prior = [repr(counts[c] / total) for c in classes]
            w.writerows([a[0]] + prior for a in answers)
        else:
            w.writerow([id_name] + TARGETS)
            d = default_row(train_values)
            if PROBABILITY_OF is not None:
                d = [repr(sum(v == PROBABILITY_OF for v in values) / max(1, len(values))) for values in train_values]
            w.writerows([a[0]] + d for a in answers)
    for name in EXTRA:
        src = find(raw, name)
        shutil.copyfile(src, os.path.join(public, os.path.basename(name)))
