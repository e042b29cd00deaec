"""Split for inaturalist-2019-fgvc6: the labels sit in a COCO-style metadata file, not a table.

Each category keeps 12% of its images for the test side (categories with one image stay in
training; those with two to four give their last image(s)), as MLE-bench does. Test images
are renamed by number so their names say nothing of their class, and the answers are
(id, predicted = category_id). Dojo runs this as `python3 prepare.py RAW OUT` with RAW
read-only; it writes OUT/public/ and OUT/private/answers.csv, and Dojo then checksums and
checks the result like any declarative split. Deterministic: a seeded Mersenne Twister
(whose sequence Python pins) picks the images, in metadata order; media files are
hard-linked where possible, else copied.
"""

import csv
import json
import math
import os
import random
import shutil
import sys

METADATA = 'train2019.json'  # the training metadata, relative to the archive root
IMAGE_ROOT = ''  # file_name entries are relative to this folder
ENCODING = 'utf-8'
TEST_SHARE = 0.12
SMALL = True  # categories below five images give their last image(s) instead of a draw
SEED = 0
PUBLIC_TRAIN_METADATA = 'train2019.json'
PUBLIC_TRAIN_IMAGES = ''
PUBLIC_TEST_METADATA = 'test2019.json'
PUBLIC_TEST_IMAGES = 'test2019'
TEST_NAME = '{n}.jpg'  # a test image's new file name, from its number
TEST_METADATA_AS_LIST = False


def place(src: str, dst: str) -> None:
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


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
            w.writerow(["id", "predicted"])
            w.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
