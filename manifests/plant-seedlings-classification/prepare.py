"""Split for plant-seedlings-classification: the species is the folder each training image sits in; held-out images move to test/ and their species become the answers.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: files are listed in sorted order and chosen by a seeded Mersenne
Twister (whose sequence Python pins); media files are hard-linked where possible, else copied.
"""

import os
import random
import sys

from dojo_split import find_dir, place, write_csv  # Dojo\'s script library, on the import path in the sandbox

SEED = 0
TEST_FRACTION = 0.14  # MLE-bench: Kaggle's 794 test images / (4750 + 794)


def main(raw: str, out: str) -> None:
    source = find_dir(raw, "train")
    items = sorted(
        (species, name)
        for species in os.listdir(source)
        if os.path.isdir(os.path.join(source, species))
        for name in os.listdir(os.path.join(source, species))
        if name.endswith(".png")
    )
    rng = random.Random(SEED)
    held = set(rng.sample(items, round(len(items) * TEST_FRACTION)))
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    answers = []
    for species, name in items:
        src = os.path.join(source, species, name)
        if (species, name) in held:
            place(src, os.path.join(public, "test", name))
            answers.append([name, species])
        else:
            place(src, os.path.join(public, "train", species, name))
    write_csv(os.path.join(private, "answers.csv"), ["file", "species"], answers)
    write_csv(os.path.join(public, "sample_submission.csv"), ["file", "species"], [[a[0], "Sugar beet"] for a in answers])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
