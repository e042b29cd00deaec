"""The split that the COCO-style image competitions share (labels in a JSON metadata file, not a
table): each category keeps a share of its images for the test side.

A script sets its configuration and calls `run`; Dojo runs the script as
`python3 prepare.py RAW OUT` with RAW read-only. This file is part of the version of every
task whose script uses it.
"""

import csv
import json
import math
import os
import random
import sys

from split_files import configure, place

# The configuration, set by `run` from the calling script; a script passes only what
# differs from these defaults (the paths and TEST_NAME are required).
METADATA = None  # the training metadata, relative to the archive root
IMAGE_ROOT = None  # file_name entries are relative to this folder
ENCODING = "utf-8"
TEST_SHARE = 0.2
SMALL = True  # categories below five images give their last image(s) instead of a draw
SEED = 0
PUBLIC_TRAIN_METADATA = None
PUBLIC_TRAIN_IMAGES = None
PUBLIC_TEST_METADATA = None
PUBLIC_TEST_IMAGES = None
TEST_NAME = None  # a test image's new file name, from its number, e.g. "images/{k:03d}/{n}.jpg"
TEST_METADATA_AS_LIST = False
SUBMISSION_HEADER = ["Id", "Predicted"]  # the answers' and sample's header

_DEFAULTS = {k: v for k, v in dict(globals()).items() if k.isupper()}


def run(**settings) -> None:
    """Sets the configuration (names as above; only what differs from the defaults is
    needed) and runs the split on `sys.argv`."""
    raw, out = configure(globals(), _DEFAULTS, settings, required=[
        "METADATA", "IMAGE_ROOT", "PUBLIC_TRAIN_METADATA", "PUBLIC_TRAIN_IMAGES",
        "PUBLIC_TEST_METADATA", "PUBLIC_TEST_IMAGES", "TEST_NAME"])
    main(raw, out)


def main(raw: str, out: str) -> None:
    with open(os.path.join(raw, METADATA), encoding=ENCODING) as f:
        meta = json.load(f)
    by_category = {}
    for annotation, image in zip(meta["annotations"], meta["images"]):
        by_category.setdefault(annotation["category_id"], []).append((annotation, image))
    rng = random.Random(SEED)
    train, test = [], []
    for category in sorted(by_category):
        items = by_category[category]
        n = len(items)
        if n == 1:
            chosen = set()
        elif n < 5 and SMALL:
            chosen = set(range(n - max(1, int(n * TEST_SHARE)), n))
        else:
            chosen = set(rng.sample(range(n), math.ceil(n * TEST_SHARE)))
        for i, item in enumerate(items):
            (test if i in chosen else train).append(item)
    random.Random(SEED).shuffle(test)

    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    new_train = {k: v for k, v in meta.items() if k not in ("annotations", "images")}
    new_train["annotations"] = [a for a, _ in train]
    new_train["images"] = [i for _, i in train]
    for _, image in train:
        place(os.path.join(raw, IMAGE_ROOT, image["file_name"]),
              os.path.join(public, PUBLIC_TRAIN_IMAGES, image["file_name"]))
    path = os.path.join(public, PUBLIC_TRAIN_METADATA)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(new_train, f, sort_keys=True)
    test_images, answers = [], []
    for number, (annotation, image) in enumerate(test):
        name = TEST_NAME.format(n=number, k=number // 1000)
        place(os.path.join(raw, IMAGE_ROOT, image["file_name"]), os.path.join(public, PUBLIC_TEST_IMAGES, name))
        shown = {k: v for k, v in image.items() if k not in ("id", "image_id", "file_name")}
        shown.update({"id": str(number), "file_name": name})
        test_images.append(shown)
        answers.append([str(number), annotation["category_id"]])
    path = os.path.join(public, PUBLIC_TEST_METADATA)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        if TEST_METADATA_AS_LIST:
            json.dump(test_images, f, sort_keys=True)
        else:
            extra = {k: meta[k] for k in ("info", "licenses") if k in meta}
            json.dump(dict(extra, images=test_images), f, sort_keys=True)
    for name, rows in (("answers.csv", answers), ("sample_submission.csv", [[a[0], 0] for a in answers])):
        with open(os.path.join(private if name == "answers.csv" else public, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(SUBMISSION_HEADER)
            w.writerows(rows)
