"""Split for the-icml-2013-whale-challenge-right-whale-redux: the label is the suffix of each clip's name (..._1.aif is a whale call); the clips of the first two recording dates are the training side, those of the next two the test side, renamed so the label is gone.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: files are listed in sorted order and chosen by a seeded Mersenne
Twister (whose sequence Python pins); media files are hard-linked where possible, else copied.
"""

import os
import sys

import re

from dojo_split import find_dir, place, write_csv  # Dojo\'s script library, on the import path in the sandbox


def main(raw: str, out: str) -> None:
    source = find_dir(raw, "train2")
    clips = sorted(n for n in os.listdir(source) if n.endswith(".aif"))
    by_date = {}
    for name in clips:
        by_date.setdefault(name.split("_")[0], []).append(name)
    dates = sorted(by_date)
    if len(dates) < 4:
        sys.exit(f"prepare.py: expected at least four recording dates in train2/, found {len(dates)}")
    train = sorted(by_date[dates[0]] + by_date[dates[1]])
    test = sorted(by_date[dates[2]] + by_date[dates[3]])
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    for number, name in enumerate(train):
        place(os.path.join(source, name), os.path.join(public, "train2", re.sub(r"TRAIN\d+", f"TRAIN{number}", name)))
    answers = []
    for number, name in enumerate(test):
        renamed = name.split("TRAIN")[0] + f"Test{number}.aif"
        place(os.path.join(source, name), os.path.join(public, "test2", renamed))
        answers.append([renamed, 1 if name.endswith("_1.aif") else 0])
    write_csv(os.path.join(private, "answers.csv"), ["clip", "probability"], answers)
    write_csv(os.path.join(public, "sample_submission.csv"), ["clip", "probability"], [[a[0], 0] for a in answers])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
