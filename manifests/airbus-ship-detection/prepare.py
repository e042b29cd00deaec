"""Split for airbus-ship-detection: train_ship_segmentations_v2.csv has one row per ship
(ImageId, EncodedPixels: a run-length mask over the 768 x 768 image) and one row with an empty
mask for each image without a ship; the images are train_v2/<ImageId>.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-Dojo does, a share of
the labelled images equal to Kaggle's test share, 15,601 / (15,601 + 192,551), is held out
(seed 42; Python's seeded Mersenne Twister picks them). The public table keeps the other
images' rows as Kaggle writes them; the held-out images move to public/test_v2/. Each answer
row is one image, its ships' masks joined by ";" (the grader joins a submission's rows for an
image the same way; MLE-Dojo joins them with a space, which merges the ships into one object).
Kaggle's own test_v2 images have no published masks and are not shipped.
"""

import csv
import os
import random
import sys

from dojo_split import find, find_dir, place, write_csv  # Dojo's script library, on the import path in the sandbox

SEED = 42
TEST_FRACTION = 15601 / (15601 + 192551)
TABLE = "train_ship_segmentations_v2.csv"


def main(raw: str, out: str) -> None:
    images = find_dir(raw, "train_v2")
    with open(find(raw, TABLE), newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != ["ImageId", "EncodedPixels"]:
            sys.exit(f"prepare.py: {TABLE} has columns {reader.fieldnames}, not ImageId, EncodedPixels")
        rows = list(reader)
    ships = {}
    for row in rows:
        masks = ships.setdefault(row["ImageId"], [])
        if row["EncodedPixels"].strip():
            masks.append(row["EncodedPixels"].strip())
    ids = sorted(ships)
    count = max(1, round(len(ids) * TEST_FRACTION))
    if count >= len(ids):
        sys.exit(f"prepare.py: {TABLE} lists {len(ids)} images, too few to hold out {count}")
    held = set(random.Random(SEED).sample(ids, count))
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    for image in ids:
        source = os.path.join(images, image)
        if not os.path.isfile(source):
            sys.exit(f"prepare.py: {TABLE} lists {image}, which train_v2/ lacks")
        place(source, os.path.join(public, "test_v2" if image in held else "train_v2", image))
    write_csv(
        os.path.join(public, TABLE),
        ["ImageId", "EncodedPixels"],
        [[r["ImageId"], r["EncodedPixels"]] for r in rows if r["ImageId"] not in held],
    )
    test = [i for i in ids if i in held]
    write_csv(os.path.join(private, "answers.csv"), ["ImageId", "EncodedPixels"], [[i, ";".join(ships[i])] for i in test])
    # Dojo's tasks name the sample sample_submission.csv (Kaggle's is sample_submission_v2.csv).
    write_csv(os.path.join(public, "sample_submission.csv"), ["ImageId", "EncodedPixels"], [[i, ""] for i in test])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
