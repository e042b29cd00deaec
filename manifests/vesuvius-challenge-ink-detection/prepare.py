"""Split for vesuvius-challenge-ink-detection: three labelled fragments, train/1, train/2 and
train/3, each a folder of scans (surface_volume/*.tif, mask.png) with its ink labels
(inklabels.png, inklabels_rle.csv, ir.png).

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-bench does,
fragments 1 and 2 are the training data and fragment 3 the test fragment "a": its scans move
to public/test/a/ without its labels and infrared photo, and its run-length ink mask (from
inklabels_rle.csv) is the answer, with the fragment's width and height read from ir.png's
PNG header.
"""

import csv
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
from split_files import find_dir, place, write_csv  # noqa: E402

TEST_FRAGMENT = "3"
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
        if fragment != TEST_FRAGMENT:
            copy_tree(os.path.join(train, fragment), os.path.join(public, "train", fragment))
    test = os.path.join(train, TEST_FRAGMENT)
    copy_tree(test, os.path.join(public, "test", "a"), skip=HIDDEN)
    with open(os.path.join(test, "inklabels_rle.csv"), newline="", encoding="utf-8") as f:
        labels = list(csv.DictReader(f))
    if len(labels) != 1:
        sys.exit(f"prepare.py: expected one row in train/{TEST_FRAGMENT}/inklabels_rle.csv, got {len(labels)}")
    width, height = png_size(os.path.join(test, "ir.png"))
    write_csv(
        os.path.join(private, "answers.csv"),
        ["Id", "Predicted", "width", "height"],
        [["a", labels[0]["Predicted"], width, height]],
    )
    write_csv(os.path.join(public, "sample_submission.csv"), ["Id", "Predicted"], [["a", ""]])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
