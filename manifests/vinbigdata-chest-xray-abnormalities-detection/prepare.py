"""Split for vinbigdata-chest-xray-abnormalities-detection: train.csv has one row per finding
and radiologist (image_id, class_name, class_id, rad_id, x_min, y_min, x_max, y_max; "No
finding", class 14, has no box); each held-out image becomes one answer row of
"class_id 1.0 x_min y_min x_max y_max" boxes, as the submission spells them.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-bench does, 10% of
the images are held out (seed 0; Python's seeded Mersenne Twister picks them), and, since
Kaggle's test labels were one consensus box per finding, each held-out image keeps the first
annotation (in file order) of each class; "No finding" is the box 0 0 1 1, as in Kaggle's
sample submission. The held-out DICOM files move to public/test/.
"""

import csv
import os
import random
import sys

from dojo_split import find, find_dir, place, write_csv  # Dojo\'s script library, on the import path in the sandbox

SEED = 0
TEST_FRACTION = 0.1
NO_FINDING = "14"


def main(raw: str, out: str) -> None:
    with open(find(raw, "train.csv"), newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = list(reader)
    images = find_dir(raw, "train")
    ids = sorted({r["image_id"] for r in rows})
    held = set(random.Random(SEED).sample(ids, round(len(ids) * TEST_FRACTION)))
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    write_csv(
        os.path.join(public, "train.csv"),
        header,
        [[r[c] for c in header] for r in rows if r["image_id"] not in held],
    )
    for image_id in ids:
        folder = "test" if image_id in held else "train"
        place(
            os.path.join(images, f"{image_id}.dicom"),
            os.path.join(public, folder, f"{image_id}.dicom"),
        )
    consensus = {}
    for r in rows:
        if r["image_id"] in held:
            consensus.setdefault((r["image_id"], int(r["class_id"])), r)
    answers = []
    test = sorted(held)
    for image_id in test:
        boxes = []
        for (image, class_id), r in sorted(consensus.items()):
            if image != image_id:
                continue
            if str(class_id) == NO_FINDING:
                corners = ["0", "0", "1", "1"]
            else:
                corners = [repr(float(r[c])) for c in ("x_min", "y_min", "x_max", "y_max")]
            boxes.append(" ".join([str(class_id), "1.0"] + corners))
        answers.append([image_id, " ".join(boxes)])
    write_csv(os.path.join(private, "answers.csv"), ["image_id", "PredictionString"], answers)
    write_csv(
        os.path.join(public, "sample_submission.csv"),
        ["image_id", "PredictionString"],
        [[i, "14 1 0 0 1 1"] for i in test],
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
