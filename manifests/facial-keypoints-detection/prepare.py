"""Split for facial-keypoints-detection: images have no id, and the answers are one row per keypoint.

The labelled images are shuffled (seed 42) and all but 5266 become the test side, as
MLE-Dojo does. Test images are numbered (ImageId 1..n); each of their 30 keypoint
coordinates becomes an answer row (RowId, Location) unless it is missing, and
IdLookupTable.csv tells which image and keypoint each RowId asks for. Dojo runs this as
`python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: a seeded Mersenne Twister (whose sequence Python pins) shuffles the
images.
"""

import csv
import os
import random
import sys

from dojo_split import find, write_csv  # Dojo\'s script library, on the import path in the sandbox

SEED = 42
TRAIN_ROWS = 5266  # MLE-Dojo keeps 5266 images for training (Kaggle's 7049 minus 1783)
IMAGE = "Image"

csv.field_size_limit(1 << 30)


def main(raw: str, out: str) -> None:
    with open(find(raw, "training.csv"), newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    image = header.index(IMAGE)
    keypoints = [i for i in range(len(header)) if i != image]
    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    train, test = order[:TRAIN_ROWS], order[TRAIN_ROWS:]
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    write_csv(os.path.join(public, "training.csv"), header, (rows[i] for i in sorted(train)))
    write_csv(os.path.join(public, "test.csv"), ["ImageId", IMAGE],
              ([n, rows[i][image]] for n, i in enumerate(test, start=1)))
    lookup, answers, row_id = [], [], 0
    for n, i in enumerate(test, start=1):
        for k in keypoints:
            row_id += 1
            if rows[i][k] != "":
                lookup.append([row_id, n, header[k]])
                answers.append([row_id, rows[i][k]])
    write_csv(os.path.join(public, "IdLookupTable.csv"), ["RowId", "ImageId", "FeatureName"], lookup)
    write_csv(os.path.join(private, "answers.csv"), ["RowId", "Location"], answers)
    write_csv(os.path.join(public, "sample_submission.csv"), ["RowId", "Location"], ([a[0], 0] for a in answers))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
