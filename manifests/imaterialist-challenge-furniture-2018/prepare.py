"""Split for imaterialist-challenge-furniture-2018: the labels sit in train.json (images as
URL lists, annotations as image_id -> label_id), not a table, so the split is written here.

As MLE-Dojo does: the test side is rows(test.json) / rows(train.json) = 12800 / 194828 =
0.0657 of the labelled images, stratified by label_id (seed 42; each label keeps its share on
both sides, at least one image on each when it has two); the answers are (id, predicted =
label_id). Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; deterministic (a
seeded Mersenne Twister, whose sequence Python pins; images written in archive order).
"""

import csv
import json
import os
import random
import shutil
import sys

from dojo_split import find  # Dojo\'s script library, on the import path in the sandbox

TEST_FRACTION = 0.0657
SEED = 42


def main(raw, out):
    with open(find(raw, "train.json"), encoding="utf-8") as f:
        meta = json.load(f)
    label = {a["image_id"]: a["label_id"] for a in meta["annotations"]}
    images = [i for i in meta["images"] if i["image_id"] in label]
    by_label = {}
    for n, image in enumerate(images):
        by_label.setdefault(label[image["image_id"]], []).append(n)
    rng = random.Random(SEED)
    test = set()
    for key in sorted(by_label):
        members = by_label[key]
        take = round(len(members) * TEST_FRACTION)
        take = min(max(take, 1), len(members) - 1) if len(members) >= 2 else 0
        test.update(rng.sample(members, take))
    public, private = os.path.join(out, "public"), os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    train_images = [i for n, i in enumerate(images) if n not in test]
    test_images = [i for n, i in enumerate(images) if n in test]
    with open(os.path.join(public, "train.json"), "w", encoding="utf-8") as f:
        json.dump({"images": train_images,
                   "annotations": [{"image_id": i["image_id"], "label_id": label[i["image_id"]]}
                                   for i in train_images]}, f)
    with open(os.path.join(public, "test.json"), "w", encoding="utf-8") as f:
        json.dump({"images": test_images}, f)
    counts = {}
    for i in train_images:
        counts[label[i["image_id"]]] = counts.get(label[i["image_id"]], 0) + 1
    prior = min(counts, key=lambda k: (-counts[k], k))
    with open(os.path.join(private, "answers.csv"), "w", newline="", encoding="utf-8") as fa, open(
        os.path.join(public, "sample_submission.csv"), "w", newline="", encoding="utf-8"
    ) as fs:
        answers, sample = csv.writer(fa, lineterminator="\n"), csv.writer(fs, lineterminator="\n")
        answers.writerow(["id", "predicted"])
        sample.writerow(["id", "predicted"])
        for i in test_images:
            answers.writerow([i["image_id"], label[i["image_id"]]])
            sample.writerow([i["image_id"], prior])
    validation = os.path.join(os.path.dirname(find(raw, "train.json")), "validation.json")
    if os.path.isfile(validation):
        shutil.copyfile(validation, os.path.join(public, "validation.json"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
