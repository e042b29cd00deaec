"""Split for smartphone-decimeter-2022: the archive holds one folder per drive,
train/<drive>/<phone>/ (device_gnss.csv, device_imu.csv, ground_truth.csv, supplemental/),
where the drive is named `YYYY-MM-DD-<place>-<n>`; no single table lists the positions.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-bench does, whole
days are held out: 10% of the distinct drive dates, at least one (seed 0; Python's seeded
Mersenne Twister draws them). Every drive of a held-out day moves to public/test/<drive>/
without its ground_truth.csv files, whose rows become the answers: one row per
(trip, timestamp), the trip being `<drive>/<phone>` (public/test.csv's tripId; the answers'
copy is named `trip`, since a target may not share a public column's name). The other drives move whole to
public/train/, and metadata/ is copied as it is.
"""

import csv
import math
import os
import random
import re
import sys

from dojo_split import find_dir, place, write_csv  # Dojo's script library, on the import path in the sandbox

SEED = 0
TEST_SHARE = 0.1
DRIVE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})-.+")
TRUTH = "ground_truth.csv"
# The sample submission's position for every row (MLE-bench's constant: a point far from
# every drive, so it scores poorly but parses).
SAMPLE = ("37.904611315634504", "-86.48107806249548")


def files_below(folder):
    """Every file below `folder`, as paths relative to it, in sorted order."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            found.append(os.path.relpath(os.path.join(root, name), folder))
    return found


def day(drive):
    match = DRIVE.fullmatch(drive)
    if not match:
        sys.exit(f"prepare.py: train/{drive} is not named YYYY-MM-DD-<place>-<n>; cannot tell its day")
    year, month, date = match.groups()
    return f"{year}-{int(month):02d}-{int(date):02d}"


def truth_rows(path, trip):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        needed = {"UnixTimeMillis", "LatitudeDegrees", "LongitudeDegrees"}
        missing = needed - set(reader.fieldnames or [])
        if missing:
            sys.exit(f"prepare.py: {path} lacks the columns {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            if not row["UnixTimeMillis"].isdigit():
                sys.exit(f"prepare.py: {path} line {line}: UnixTimeMillis {row['UnixTimeMillis']!r} is not a whole number")
            if not row["LatitudeDegrees"] or not row["LongitudeDegrees"]:
                sys.exit(f"prepare.py: {path} line {line}: an empty position")
            yield [f"{trip}_{row['UnixTimeMillis']}", row["LatitudeDegrees"], row["LongitudeDegrees"],
                   trip, row["UnixTimeMillis"]]


def main(raw: str, out: str) -> None:
    train = find_dir(raw, "train")
    drives = sorted(d for d in os.listdir(train) if os.path.isdir(os.path.join(train, d)))
    if not drives:
        sys.exit(f"prepare.py: {train} holds no drive folder")
    days = sorted({day(d) for d in drives})
    if len(days) < 2:
        sys.exit(f"prepare.py: the drives span one day ({days[0]}); a split by day needs two")
    count = min(len(days) - 1, max(1, math.ceil(TEST_SHARE * len(days))))
    held = set(random.Random(SEED).sample(days, count))
    public = os.path.join(out, "public")
    answers = []
    for drive in drives:
        side = "test" if day(drive) in held else "train"
        source = os.path.join(train, drive)
        for rel in files_below(source):
            if side == "test" and os.path.basename(rel) == TRUTH:
                phone = os.path.dirname(rel)
                if not phone or os.sep in phone:
                    sys.exit(f"prepare.py: train/{drive}/{rel} is not at <drive>/<phone>/{TRUTH}")
                answers.extend(truth_rows(os.path.join(source, rel), f"{drive}/{phone}"))
                continue
            place(os.path.join(source, rel), os.path.join(public, side, drive, rel))
    if not answers:
        sys.exit(f"prepare.py: the held-out days {sorted(held)} have no {TRUTH}")
    answers.sort(key=lambda r: (r[3], int(r[4])))
    ids = [r[0] for r in answers]
    if len(set(ids)) != len(ids):
        sys.exit(f"prepare.py: a held-out {TRUTH} repeats a timestamp within its trip")
    metadata = os.path.join(raw, "metadata")
    if os.path.isdir(metadata):
        for rel in files_below(metadata):
            place(os.path.join(metadata, rel), os.path.join(public, "metadata", rel))
    write_csv(
        os.path.join(out, "private", "answers.csv"),
        ["id", "LatitudeDegrees", "LongitudeDegrees", "trip"],
        [r[:4] for r in answers],
    )
    write_csv(
        os.path.join(public, "test.csv"),
        ["id", "tripId", "UnixTimeMillis"],
        [[r[0], r[3], r[4]] for r in answers],
    )
    write_csv(
        os.path.join(public, "sample_submission.csv"),
        ["id", "LatitudeDegrees", "LongitudeDegrees"],
        [[r[0], *SAMPLE] for r in answers],
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
