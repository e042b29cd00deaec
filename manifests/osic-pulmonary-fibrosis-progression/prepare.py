"""Split for osic-pulmonary-fibrosis-progression: patients, not rows, are held out, and the
answers are each test patient's last three visits, so the split is written here.

As MLE-bench does: 10% of the patients (rounded up, seed 0) go to the test side with their
scan folders; the public test table holds each test patient's first visit (its FVC as Base_FVC); the scored rows
are the three latest visits per test patient (a week seen twice counts once, its last row).
The answers hold those rows only (Patient_Week, FVC), so the submission lists exactly the
scored weeks. Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only;
deterministic (a seeded Mersenne Twister, whose sequence Python pins).
"""

import csv
import math
import os
import random
import shutil
import sys

from dojo_split import find  # Dojo\'s script library, on the import path in the sandbox


def link_tree(src, dst):
    """Hard links where the file system allows, copies otherwise."""
    for root, dirs, files in os.walk(src):
        dirs.sort()
        target = os.path.join(dst, os.path.relpath(root, src))
        os.makedirs(target, exist_ok=True)
        for name in sorted(files):
            try:
                os.link(os.path.join(root, name), os.path.join(target, name))
            except OSError:
                shutil.copyfile(os.path.join(root, name), os.path.join(target, name))


def main(raw, out):
    path = find(raw, "train.csv")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    at = {c: i for i, c in enumerate(header)}
    patients = sorted({r[at["Patient"]] for r in rows})
    test = set(random.Random(0).sample(patients, math.ceil(len(patients) * 0.1)))
    public, private = os.path.join(out, "public"), os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    train_rows = [r for r in rows if r[at["Patient"]] not in test]
    visits = {}
    for r in rows:
        if r[at["Patient"]] in test:
            visits.setdefault(r[at["Patient"]], {})[int(r[at["Weeks"]])] = r
    with open(os.path.join(public, "train.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(train_rows)
    with open(os.path.join(public, "test.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        # The first visit's FVC is a feature, named apart from the FVC the submission predicts.
        w.writerow(["Base_FVC" if c == "FVC" else c for c in header])
        w.writerows(visits[p][min(visits[p])] for p in sorted(visits))
    fvc = [float(r[at["FVC"]]) for r in train_rows]
    mean = sum(fvc) / len(fvc)
    spread = math.sqrt(sum((x - mean) ** 2 for x in fvc) / len(fvc))
    with open(os.path.join(private, "answers.csv"), "w", newline="", encoding="utf-8") as fa, open(
        os.path.join(public, "sample_submission.csv"), "w", newline="", encoding="utf-8"
    ) as fs:
        answers, sample = csv.writer(fa, lineterminator="\n"), csv.writer(fs, lineterminator="\n")
        answers.writerow(["Patient_Week", "FVC"])
        sample.writerow(["Patient_Week", "FVC", "Confidence"])
        for p in sorted(visits):
            for week in sorted(visits[p])[-3:]:
                answers.writerow([f"{p}_{week}", visits[p][week][at["FVC"]]])
                sample.writerow([f"{p}_{week}", repr(mean), repr(spread)])
    scans = os.path.join(os.path.dirname(path), "train")
    if os.path.isdir(scans):
        for p in patients:
            if os.path.isdir(os.path.join(scans, p)):
                side = "test" if p in test else "train"
                link_tree(os.path.join(scans, p), os.path.join(public, side, p))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
