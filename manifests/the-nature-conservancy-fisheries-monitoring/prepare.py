"""Split for the-nature-conservancy-fisheries-monitoring: the fish class is the folder each training image sits in; the last 20% of each class folder (in name order) move to test/ and their classes become the answers.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: files are listed in sorted order and chosen by a seeded Mersenne
Twister (whose sequence Python pins); media files are hard-linked where possible, else copied.
"""

import os
import sys

from dojo_split import find_dir, place, write_csv  # Dojo\'s script library, on the import path in the sandbox

CLASSES = ["ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK", "YFT"]
TRAIN_SHARE = 0.8  # MLE-Dojo keeps the first 80% of each class folder for training


def main(raw: str, out: str) -> None:
    source = find_dir(raw, "train")
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    answers = []
    for label in CLASSES:
        folder = os.path.join(source, label)
        names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
        cut = int(len(names) * TRAIN_SHARE)
        for name in names[:cut]:
            place(os.path.join(folder, name), os.path.join(public, "train", label, name))
        for name in names[cut:]:
            place(os.path.join(folder, name), os.path.join(public, "test", name))
            answers.append([name, label])
    answers.sort()
    write_csv(os.path.join(private, "answers.csv"), ["image", "label"], answers)
    uniform = [repr(1 / len(CLASSES))] * len(CLASSES)
    write_csv(os.path.join(public, "sample_submission.csv"), ["image"] + CLASSES, [[a[0]] + uniform for a in answers])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
