"""Split for siim-covid19-detection: train_study_level.csv classifies each study (id
"<study>_study", one-hot columns Negative for Pneumonia, Typical Appearance, Indeterminate
Appearance, Atypical Appearance); train_image_level.csv holds each image's boxes (id
"<image>_image", boxes, label as "opacity 1 x_min y_min x_max y_max ..." or "none 1 0 0 1 1",
StudyInstanceUID); the images are train/<study>/<series>/<image>.dcm.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-bench does, 10% of
the studies are held out (seed 0; Python's seeded Mersenne Twister picks them) with their
images. The answers have one row per held-out study ("<class> 1 0 0 1 1", the class as the
submission names it) and one per held-out image (its label as the table gives it), so one
submission file scores both levels.
"""

import csv
import os
import random
import sys

from dojo_split import find, find_dir, place, write_csv  # Dojo\'s script library, on the import path in the sandbox

SEED = 0
TEST_FRACTION = 0.1
CLASSES = [
    ("Negative for Pneumonia", "negative"),
    ("Typical Appearance", "typical"),
    ("Indeterminate Appearance", "indeterminate"),
    ("Atypical Appearance", "atypical"),
]


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def main(raw: str, out: str) -> None:
    study_header, studies = read(find(raw, "train_study_level.csv"))
    image_header, images = read(find(raw, "train_image_level.csv"))
    folders = find_dir(raw, "train")
    ids = sorted(r["id"] for r in studies)
    held = set(random.Random(SEED).sample(ids, round(len(ids) * TEST_FRACTION)))
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    studies.sort(key=lambda r: r["id"])
    images.sort(key=lambda r: r["id"])
    write_csv(
        os.path.join(public, "train_study_level.csv"),
        study_header,
        [[r[c] for c in study_header] for r in studies if r["id"] not in held],
    )
    write_csv(
        os.path.join(public, "train_image_level.csv"),
        image_header,
        [[r[c] for c in image_header] for r in images if r["StudyInstanceUID"] + "_study" not in held],
    )
    for study in ids:
        uid = study.removesuffix("_study")
        side = "test" if study in held else "train"
        source = os.path.join(folders, uid)
        for root, dirs, files in os.walk(source):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                place(path, os.path.join(public, side, uid, os.path.relpath(path, source)))
    answers, sample = [], []
    for r in studies:
        if r["id"] in held:
            votes = [float(r[column]) for column, _ in CLASSES]
            label = CLASSES[votes.index(max(votes))][1]
            answers.append([r["id"], f"{label} 1 0 0 1 1"])
            sample.append([r["id"], "negative 1 0 0 1 1"])
    for r in images:
        if r["StudyInstanceUID"] + "_study" in held:
            answers.append([r["id"], r["label"]])
            sample.append([r["id"], "none 1 0 0 1 1"])
    write_csv(os.path.join(private, "answers.csv"), ["id", "PredictionString"], answers)
    write_csv(os.path.join(public, "sample_submission.csv"), ["id", "PredictionString"], sample)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
