"""Split for freesound-audio-tagging-2019: train_curated.csv (fname, labels: one or more of
the 80 classes, comma-separated) labels the clips in train_curated/; train_noisy.csv and
train_noisy/ are a larger, noisily labelled set; test/ holds Kaggle's unlabelled test clips,
and sample_submission.csv's header lists the 80 classes (fname, then one column a class).

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. Kaggle's archive has no
test labels (they were published later, outside it), so 20% of the curated clips are held out
(seed 42; Python's seeded Mersenne Twister draws them): their clips move to public/test/ and
their labels become the answers, one 0/1 column per class in the sample submission's order.
The other curated clips stay in public/train_curated/ with their rows, and the noisy set is
copied whole. Kaggle's own test clips, unlabelled, are left out.
"""

import csv
import os
import random
import sys

from dojo_split import find, find_dir, place, write_csv  # Dojo's script library, on the import path in the sandbox

SEED = 42
TEST_SHARE = 0.2


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames or [], list(reader)


def main(raw: str, out: str) -> None:
    public = os.path.join(out, "public")
    header, curated = read(find(raw, "train_curated.csv"))
    if header[:2] != ["fname", "labels"]:
        sys.exit(f"prepare.py: train_curated.csv has columns {header}, not fname, labels")
    sample_header, _ = read(find(raw, "sample_submission.csv"))
    classes = sample_header[1:]
    if not sample_header or sample_header[0] != "fname" or not classes:
        sys.exit(f"prepare.py: sample_submission.csv's header {sample_header} is not fname, then the classes")
    known = set(classes)
    labels = {}
    for line, row in enumerate(curated, start=2):
        names = [n.strip() for n in row["labels"].split(",") if n.strip()]
        unknown = [n for n in names if n not in known]
        if not names or unknown:
            sys.exit(f"prepare.py: train_curated.csv line {line}: labels {row['labels']!r} "
                     "are not one or more of sample_submission.csv's classes")
        if row["fname"] in labels:
            sys.exit(f"prepare.py: train_curated.csv line {line}: {row['fname']} is listed twice")
        labels[row["fname"]] = set(names)
    fnames = sorted(labels)
    count = max(1, int(TEST_SHARE * len(fnames)))
    if count >= len(fnames):
        sys.exit(f"prepare.py: {len(fnames)} curated clips are too few to hold out {count}")
    held = set(random.Random(SEED).sample(fnames, count))
    clips = find_dir(raw, "train_curated")
    for fname in fnames:
        source = os.path.join(clips, fname)
        if os.path.basename(fname) != fname or not os.path.isfile(source):
            sys.exit(f"prepare.py: train_curated.csv names {fname!r}, which is not a file in train_curated/")
        place(source, os.path.join(public, "test" if fname in held else "train_curated", fname))
    write_csv(os.path.join(public, "train_curated.csv"), header,
              [[r[c] for c in header] for r in curated if r["fname"] not in held])
    noisy = find_dir(raw, "train_noisy")
    for root, dirs, names in os.walk(noisy):
        dirs.sort()
        for name in sorted(names):
            source = os.path.join(root, name)
            place(source, os.path.join(public, "train_noisy", os.path.relpath(source, noisy)))
    place(find(raw, "train_noisy.csv"), os.path.join(public, "train_noisy.csv"))
    test = sorted(held)
    write_csv(os.path.join(out, "private", "answers.csv"), ["fname"] + classes,
              [[f] + [1 if c in labels[f] else 0 for c in classes] for f in test])
    write_csv(os.path.join(public, "sample_submission.csv"), ["fname"] + classes,
              [[f] + [0] * len(classes) for f in test])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
