"""Split for dogs-vs-cats-redux-kernels-edition: the class is part of each training image's name (cat.N.jpg, dog.N.jpg); held-out images are renamed 1.jpg, 2.jpg, ... and their labels become the answers.

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
TEST_FRACTION = 0.1  # MLE-bench holds out 10% of the training images


def main(raw: str, out: str) -> None:
    source = find_dir(raw, "train")
    images = sorted(f for f in os.listdir(source) if f.endswith(".jpg"))
    rng = random.Random(SEED)
    test = rng.sample(images, round(len(images) * TEST_FRACTION))
    held = set(test)
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    for name in images:
        if name not in held:
            place(os.path.join(source, name), os.path.join(public, "train", name))
    answers = []
    for number, name in enumerate(sorted(test), start=1):
        place(os.path.join(source, name), os.path.join(public, "test", f"{number}.jpg"))
        answers.append([number, 1 if name.startswith("dog") else 0])
    write_csv(os.path.join(private, "answers.csv"), ["id", "label"], answers)
    write_csv(os.path.join(public, "sample_submission.csv"), ["id", "label"], [[a[0], 0.5] for a in answers])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
