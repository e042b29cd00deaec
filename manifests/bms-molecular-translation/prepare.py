"""Split for bms-molecular-translation: the images sit at train/<c0>/<c1>/<c2>/<image_id>.png
(the id's first three characters), which a media pattern cannot say, so the split runs here.

As MLE-bench does: 20% of train_labels.csv (seed 0) goes to the test side, each image to
public/train/ or public/test/ under the same nested path. Dojo runs this as
`python3 prepare.py RAW OUT` with RAW read-only; deterministic (a seeded Mersenne Twister,
whose sequence Python pins; rows written in archive order).
"""

import csv
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
import table_split  # noqa: E402  (the shared engine, found next to this manifest folder)

table_split.run(
    TRAIN="train_labels.csv",
    ID="image_id",
    NEW_ID="image_id",
    TARGETS=["InChI"],
    TEST_FRACTION=0.2,
    SEED=0,
    EXTRA=["extra_approved_InChIs.csv"],
    PUBLIC_TRAIN="train_labels.csv",
    LABELS=True,
)


def nested(image_id):
    return os.path.join(image_id[0], image_id[1], image_id[2], image_id + ".png")


raw, out = sys.argv[1], sys.argv[2]
images = os.path.join(os.path.dirname(table_split.find(raw, "train_labels.csv")), "train")
for side, table in (("train", "train_labels.csv"), ("test", "test.csv")):
    with open(os.path.join(out, "public", table), newline="", encoding="utf-8") as f:
        ids = [row["image_id"] for row in csv.DictReader(f)]
    for image_id in ids:
        dst = os.path.join(out, "public", side, nested(image_id))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        try:
            os.link(os.path.join(images, nested(image_id)), dst)
        except OSError:
            shutil.copyfile(os.path.join(images, nested(image_id)), dst)
