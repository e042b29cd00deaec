"""Split for iwildcam-2020-fgvc7: the labels sit in a COCO-style annotation file, not a table.

Whole camera locations go to one side: locations are shuffled with a seeded generator and
moved to the test side until held / (images + held) reaches 0.22, the ratio MLE-bench aims at
(Kaggle's 62894 test images against 217959 training images); as MLE-bench counts the held
images twice there, its test side ends near 0.22 / 0.78, about 28% of the images, and so does
this one. The answers are (Id = image id, Category =
category_id), one per image. Dojo runs this as `python3 prepare.py RAW OUT` with RAW
read-only; it writes OUT/public/ and OUT/private/answers.csv, and Dojo then checksums and
checks the result like any declarative split. Deterministic: a seeded Mersenne Twister
(whose sequence Python pins) orders the locations; media files are hard-linked where
possible, else copied.
"""

import csv
import json
import os
import random
import sys

from dojo_split import find, place  # Dojo\'s script library, on the import path in the sandbox

SEED = 0
TEST_SHARE = 0.22


def main(raw: str, out: str) -> None:
    with open(find(raw, "iwildcam2020_train_annotations.json"), encoding="utf-8") as f:
        train_json = json.load(f)
    with open(find(raw, "iwildcam2020_test_information.json"), encoding="utf-8") as f:
        test_info = json.load(f)
    images = train_json["images"]
    per_location = {}
    for image in images:
        per_location[str(image["location"])] = per_location.get(str(image["location"]), 0) + 1
    locations = sorted(per_location)
    random.Random(SEED).shuffle(locations)
    test_locations, held = set(), 0
    for location in locations:
        if held >= TEST_SHARE * (len(images) + held):
            break
        test_locations.add(location)
        held += per_location[location]
    test_ids = {image["id"] for image in images if str(image["location"]) in test_locations}

    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    new_train = dict(train_json)
    new_train["images"] = [i for i in images if i["id"] not in test_ids]
    new_train["annotations"] = [a for a in train_json["annotations"] if a["image_id"] not in test_ids]
    with open(os.path.join(public, "iwildcam2020_train_annotations.json"), "w", encoding="utf-8") as f:
        json.dump(new_train, f)
    new_test = {k: v for k, v in test_info.items() if k != "images"}
    new_test["images"] = [i for i in images if i["id"] in test_ids]
    with open(os.path.join(public, "iwildcam2020_test_information.json"), "w", encoding="utf-8") as f:
        json.dump(new_test, f)
    detections = os.path.join(os.path.dirname(find(raw, "iwildcam2020_train_annotations.json")),
                              "iwildcam2020_megadetector_results.json")
    if os.path.exists(detections):
        place(detections, os.path.join(public, "iwildcam2020_megadetector_results.json"))
    image_dir = os.path.join(os.path.dirname(find(raw, "iwildcam2020_train_annotations.json")), "train")
    for image in images:
        side = "test" if image["id"] in test_ids else "train"
        src = os.path.join(image_dir, f"{image['id']}.jpg")
        if os.path.exists(src):
            place(src, os.path.join(public, side, f"{image['id']}.jpg"))
    answers, seen = [], set()
    for annotation in train_json["annotations"]:
        if annotation["image_id"] in test_ids and annotation["image_id"] not in seen:
            seen.add(annotation["image_id"])
            answers.append([annotation["image_id"], annotation["category_id"]])
    for name, folder, rows in (
        ("answers.csv", private, answers),
        ("sample_submission.csv", public, [[a[0], 0] for a in answers]),
    ):
        with open(os.path.join(folder, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["Id", "Category"])
            w.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
