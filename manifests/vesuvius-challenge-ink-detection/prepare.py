"""Split for vesuvius-challenge-ink-detection: three labelled fragments, train/1, train/2 and
train/3, each a folder of scans (surface_volume/*.tif, mask.png) with its ink labels
(inklabels.png, inklabels_rle.csv, ir.png).

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. Fragment 1 is the
training data; fragments 2 and 3 are the test fragments "a" and "b", as Kaggle's hidden test
set had two (its sample submission names a and b). MLE-bench keeps fragment 2 for training and
tests on fragment 3 alone, but a one-row test set leaves Dojo's validation no second row to
build refused submissions from. Each test fragment's scans move to public/test/<a|b>/ without
its labels and infrared photo; its run-length ink mask (from inklabels_rle.csv) is the answer,
with the fragment's width and height read from ir.png's PNG header.
"""

import csv
import os
import struct
import sys

from dojo_split import find_dir, place, write_csv  # Dojo\'s script library, on the import path in the sandbox

TEST_FRAGMENTS = {"2": "a", "3": "b"}
HIDDEN = {"inklabels.png", "inklabels_rle.csv", "ir.png"}


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        sys.exit(f"prepare.py: {path} is not a PNG file")
    return struct.unpack(">II", head[16:24])


def copy_tree(source, destination, skip=()):
    for root, dirs, files in os.walk(source):
        dirs.sort()
        for name in sorted(files):
            if name in skip:
                continue
            path = os.path.join(root, name)
            place(path, os.path.join(destination, os.path.relpath(path, source)))


def main(raw: str, out: str) -> None:
    train = find_dir(raw, "train")
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    for fragment in sorted(os.listdir(train)):
        if fragment not in TEST_FRAGMENTS:
            copy_tree(os.path.join(train, fragment), os.path.join(public, "train", fragment))
    answers = []
    for fragment, name in sorted(TEST_FRAGMENTS.items(), key=lambda kv: kv[1]):
        test = os.path.join(train, fragment)
        copy_tree(test, os.path.join(public, "test", name), skip=HIDDEN)
        with open(os.path.join(test, "inklabels_rle.csv"), newline="", encoding="utf-8") as f:
            labels = list(csv.DictReader(f))
        if len(labels) != 1:
            sys.exit(f"prepare.py: expected one row in train/{fragment}/inklabels_rle.csv, got {len(labels)}")
        width, height = png_size(os.path.join(test, "ir.png"))
        answers.append([name, labels[0]["Predicted"], width, height])
    write_csv(os.path.join(private, "answers.csv"), ["Id", "Predicted", "width", "height"], answers)
    write_csv(
        os.path.join(public, "sample_submission.csv"), ["Id", "Predicted"], [[a[0], ""] for a in answers]
    )

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
