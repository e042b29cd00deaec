"""Split for hubmap-kidney-segmentation: train.csv holds one run-length mask per kidney slide
(id, encoding); the slide sizes are in HuBMAP-20-dataset_information.csv (image_file,
width_pixels, height_pixels, ...), which the grader needs to check each mask's runs.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-bench does, 3 of the
15 slides are held out (seed 0; Python's seeded Mersenne Twister picks them); their masks,
widths and heights become the answers, and their .tiff and two .json files move to
public/test/. The dataset information table keeps the labelled slides' rows.
"""

import csv
import os
import random
import sys

from dojo_split import find, find_dir, place, write_csv  # Dojo\'s script library, on the import path in the sandbox

SEED = 0
TEST_SLIDES = 3
INFO = "HuBMAP-20-dataset_information.csv"


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def main(raw: str, out: str) -> None:
    _, rows = read(find(raw, "train.csv"))
    info_header, info = read(find(raw, INFO))
    slides = find_dir(raw, "train")
    ids = sorted(r["id"] for r in rows)
    held = set(random.Random(SEED).sample(ids, TEST_SLIDES))
    size = {r["image_file"].removesuffix(".tiff"): r for r in info}
    missing = [i for i in ids if i not in size]
    if missing:
        sys.exit(f"prepare.py: {INFO} has no size for {missing}")
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    write_csv(
        os.path.join(public, "train.csv"),
        ["id", "encoding"],
        [[r["id"], r["encoding"]] for r in sorted(rows, key=lambda r: r["id"]) if r["id"] not in held],
    )
    write_csv(
        os.path.join(public, INFO),
        info_header,
        [[r[c] for c in info_header] for r in info if r["image_file"].removesuffix(".tiff") in set(ids)],
    )
    for slide in ids:
        folder = "test" if slide in held else "train"
        for name in (f"{slide}.tiff", f"{slide}.json", f"{slide}-anatomical-structure.json"):
            source = os.path.join(slides, name)
            if os.path.exists(source):
                place(source, os.path.join(public, folder, name))
    encoding = {r["id"]: r["encoding"] for r in rows}
    test = sorted(held)
    write_csv(
        os.path.join(private, "answers.csv"),
        ["id", "encoding", "width_pixels", "height_pixels"],
        [[i, encoding[i], size[i]["width_pixels"], size[i]["height_pixels"]] for i in test],
    )
    write_csv(os.path.join(public, "sample_submission.csv"), ["id", "encoding"], [[i, ""] for i in test])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
