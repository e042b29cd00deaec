"""Split for uw-madison-gi-tract-image-segmentation: train.csv has one row per slice and organ
(id `case123_day20_slice_0001`, class large_bowel / small_bowel / stomach, segmentation: a
run-length mask numbered row by row, empty when the organ is not on the slice); the scans are
train/case123/case123_day20/scans/slice_0001_<width>_<height>_<spacing>_<spacing>.png.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-bench does, 10% of
the cases are held out whole (seed 42; Python's seeded Mersenne Twister picks them), and of the
other cases every day after a case's fourth moves to the test side too (the page's test set
holds whole cases and later days of training cases). A held-out case-day's scans move to
public/test/ in the same folders; the others to public/train/.

The grader joins on one id column, so each test row is `row_id` = `<id>_<class>`; public
test.csv lists row_id, id and class. The answers add what the metric reads besides the mask:
each slice's height and width (from the scan's name), its volume (`<case>_<day>`) and its
slice number.
"""

import csv
import os
import random
import re
import sys

from dojo_split import find, find_dir, place, write_csv  # Dojo's script library, on the import path in the sandbox

SEED = 42
TEST_CASES = 0.1
DAYS_KEPT = 4
ID = re.compile(r"^(case\d+)_(day\d+)_slice_(\d+)$")
SCAN = re.compile(r"^slice_(\d+)_(\d+)_(\d+)_[\d.]+_[\d.]+\.png$")


def main(raw: str, out: str) -> None:
    with open(find(raw, "train.csv"), newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != ["id", "class", "segmentation"]:
            sys.exit(f"prepare.py: train.csv has columns {reader.fieldnames}, not id, class, segmentation")
        rows = list(reader)
    scans_root = find_dir(raw, "train")
    # (case, day) -> {slice number: (path, width, height)}
    scans = {}
    for root, dirs, files in sorted(os.walk(scans_root)):
        dirs.sort()
        parts = os.path.relpath(root, scans_root).split(os.sep)
        if len(parts) != 3 or parts[2] != "scans" or not parts[1].startswith(parts[0] + "_"):
            continue
        day = parts[1][len(parts[0]) + 1:]
        for name in files:
            m = SCAN.match(name)
            if m:
                scans.setdefault((parts[0], day), {})[int(m.group(1))] = (
                    os.path.join(root, name), m.group(2), m.group(3))
    for r in rows:
        m = ID.match(r["id"])
        if not m:
            sys.exit(f"prepare.py: train.csv id {r['id']!r} is not case<N>_day<N>_slice_<NNNN>")
        r["case"], r["day"], r["slice"] = m.group(1), m.group(2), int(m.group(3))
        if r["slice"] not in scans.get((r["case"], r["day"]), {}):
            sys.exit(f"prepare.py: train.csv lists {r['id']}, whose scan is not under train/")
    cases = sorted({r["case"] for r in rows})
    held_cases = set(random.Random(SEED).sample(cases, max(1, round(len(cases) * TEST_CASES))))
    days = {}
    for r in rows:
        days.setdefault(r["case"], set()).add(r["day"])
    held = set()
    for case, case_days in days.items():
        ordered = sorted(case_days, key=lambda d: int(d[3:]))
        held |= {(case, d) for d in (ordered if case in held_cases else ordered[DAYS_KEPT:])}
    if not held or len(held) == sum(len(d) for d in days.values()):
        sys.exit(f"prepare.py: {len(cases)} cases cannot be split into a train and a test side")
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    for (case, day), by_slice in sorted(scans.items()):
        if case not in days or day not in days[case]:
            continue
        side = "test" if (case, day) in held else "train"
        for path, _, _ in by_slice.values():
            place(path, os.path.join(public, side, case, f"{case}_{day}", "scans", os.path.basename(path)))
    write_csv(
        os.path.join(public, "train.csv"),
        ["id", "class", "segmentation"],
        [[r["id"], r["class"], r["segmentation"]] for r in rows if (r["case"], r["day"]) not in held],
    )
    test = sorted((r for r in rows if (r["case"], r["day"]) in held), key=lambda r: (r["id"], r["class"]))
    answers = []
    for r in test:
        _, width, height = scans[(r["case"], r["day"])][r["slice"]]
        answers.append([f"{r['id']}_{r['class']}", r["segmentation"].strip(), height, width,
                        f"{r['case']}_{r['day']}", r["slice"]])
    write_csv(
        os.path.join(private, "answers.csv"),
        ["row_id", "predicted", "image_height", "image_width", "volume", "slice"],
        answers,
    )
    write_csv(os.path.join(public, "test.csv"), ["row_id", "id", "class"],
              [[f"{r['id']}_{r['class']}", r["id"], r["class"]] for r in test])
    write_csv(os.path.join(public, "sample_submission.csv"), ["row_id", "predicted"],
              [[a[0], ""] for a in answers])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
