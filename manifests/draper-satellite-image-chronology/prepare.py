"""Split for draper-satellite-image-chronology: the labelled images are train/setN_D.tif (and
the same image as train_sm/setN_D.jpeg), D being the day (1 to 5) the image of set N was
taken; no table holds the days. Kaggle's test/ and test_sm/ images are scrambled and their
days were never published, so they are not shipped.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-Dojo does, 44% of
the sets are held out (seed 42; Python's seeded Mersenne Twister shuffles them). Each held-out
set's five images are renumbered in a seeded random order, so their names no longer give the
day away, and move to public/test/ (and public/test_sm/). The answer for a set is, as Kaggle's
submission spells it, the true day of each image in the order of its new number: "3 1 2 5 4"
says setN_1 was taken on day 3, setN_2 on day 1, and so on. Every set must have its five days.
"""

import os
import random
import re
import sys

from dojo_split import place, write_csv  # Dojo's script library, on the import path in the sandbox

SEED = 42
TEST_FRACTION = 0.44
DAYS = 5
NAME = re.compile(r"^set(\d+)_(\d+)\.(tif|jpeg)$")


def images(raw: str, folder: str, extension: str) -> dict:
    """{set number: {day: path}} for every `setN_D.<extension>` in a folder called `folder`."""
    found = {}
    for root, dirs, files in sorted(os.walk(raw)):
        dirs.sort()
        if os.path.basename(root) != folder:
            continue
        for name in sorted(files):
            m = NAME.match(name)
            if m and m.group(3) == extension:
                days = found.setdefault(int(m.group(1)), {})
                day = int(m.group(2))
                if day in days:
                    sys.exit(f"prepare.py: {name} appears twice under {folder}/")
                days[day] = os.path.join(root, name)
    return found


def main(raw: str, out: str) -> None:
    tif = images(raw, "train", "tif")
    jpeg = images(raw, "train_sm", "jpeg")
    if not tif:
        sys.exit("prepare.py: no train/setN_D.tif images in the archive")
    for number, days in sorted(tif.items()):
        if sorted(days) != list(range(1, DAYS + 1)):
            sys.exit(f"prepare.py: set{number} has days {sorted(days)} in train/, not 1 to {DAYS}")
    sets = sorted(tif)
    rng = random.Random(SEED)
    shuffled = sets[:]
    rng.shuffle(shuffled)
    held = set(shuffled[len(sets) - round(len(sets) * TEST_FRACTION):])
    if not held or len(held) == len(sets):
        sys.exit(f"prepare.py: {len(sets)} sets cannot be split into a train and a test side")
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    answers = []
    for number in sets:
        if number not in held:
            for day in range(1, DAYS + 1):
                place(tif[number][day], os.path.join(public, "train", f"set{number}_{day}.tif"))
                if day in jpeg.get(number, {}):
                    place(jpeg[number][day], os.path.join(public, "train_sm", f"set{number}_{day}.jpeg"))
            continue
        shown = list(range(1, DAYS + 1))
        rng.shuffle(shown)  # shown[day - 1]: the number the day's image is shown under
        day_of = {}
        for day in range(1, DAYS + 1):
            day_of[shown[day - 1]] = day
            place(tif[number][day], os.path.join(public, "test", f"set{number}_{shown[day - 1]}.tif"))
            if day in jpeg.get(number, {}):
                place(jpeg[number][day], os.path.join(public, "test_sm", f"set{number}_{shown[day - 1]}.jpeg"))
        answers.append([number, " ".join(str(day_of[k]) for k in range(1, DAYS + 1))])
    write_csv(os.path.join(private, "answers.csv"), ["setId", "day"], answers)
    write_csv(
        os.path.join(public, "sample_submission.csv"),
        ["setId", "day"],
        [[number, " ".join(str(k) for k in range(1, DAYS + 1))] for number, _ in answers],
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
