"""Split for global-wheat-detection: train.csv has one row per wheat head (image_id, width,
height, bbox as "[x, y, w, h]", source); each held-out image's boxes become one answer row,
"1.0 x y w h" per head, as the submission spells them ("confidence x y width height").

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv. As MLE-Dojo does, the labelled images (those with at least one row)
are split, 20% held out with seed 42 (MLE-Dojo's ratio 10 / 3,383 is below its 0.05 floor);
Python's seeded Mersenne Twister picks them. Images without a head are not in train.csv and
are not shipped, as in MLE-Dojo.
"""

import csv
import json
import os
import random
import sys

from dojo_split import find, find_dir, place, write_csv  # Dojo\'s script library, on the import path in the sandbox

SEED = 42
TEST_FRACTION = 0.2


def main(raw: str, out: str) -> None:
    table = find(raw, "train.csv")
    images = find_dir(raw, "train")
    with open(table, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = list(reader)
    by_image = {}
    for row in rows:
        by_image.setdefault(row["image_id"], []).append(row)
    ids = sorted(by_image)
    held = set(random.Random(SEED).sample(ids, round(len(ids) * TEST_FRACTION)))
    test = [i for i in ids if i in held]
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
        place(os.path.join(images, f"{image_id}.jpg"), os.path.join(public, folder, f"{image_id}.jpg"))
    answers = []
    for image_id in test:
        boxes = []
        for r in by_image[image_id]:
            x, y, w, h = (float(v) for v in json.loads(r["bbox"]))
            boxes.append(f"1.0 {x!r} {y!r} {w!r} {h!r}")
        answers.append([image_id, " ".join(boxes)])
    first = {i: by_image[i][0] for i in test}
    write_csv(
        os.path.join(public, "test.csv"),
        ["image_id", "width", "height"],
        [[i, first[i]["width"], first[i]["height"]] for i in test],
    )
    write_csv(os.path.join(private, "answers.csv"), ["image_id", "PredictionString"], answers)
    write_csv(
        os.path.join(public, "sample_submission.csv"),
        ["image_id", "PredictionString"],
        [[i, ""] for i in test],
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
