"""Split for mlsp-2013-birds: the labels sit in the contest's text files, not a table.

Only the recordings of Kaggle's labelled fold (fold 0 of CVfolds_2.txt) are used; 20% of them
(seed 0) become the new test fold, as MLE-bench does. Recordings are renumbered 0..n-1 in
file order, test labels are replaced by "?", and the answers are one row per recording and
species (Id = rec_id * 100 + species, Probability = 1 if the species is heard, else 0).
Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: a seeded Mersenne Twister (whose sequence Python pins) picks the
recordings; media files are hard-linked where possible, else copied.
"""

import csv
import os
import random
import sys

from dojo_split import place  # Dojo\'s script library, on the import path in the sandbox

SEED = 0
TEST_FRACTION = 0.2
SPECIES = 19
SUPPLEMENTAL_IMAGES = ["filtered_spectrograms", "segmentation_examples", "spectrograms", "supervised_segmentation"]
SUPPLEMENTAL_TABLES = ["histogram_of_segments.txt", "segment_features.txt", "segment_rectangles.txt"]


def find_dir(raw: str, name: str) -> str:
    for root, dirs, _ in sorted(os.walk(raw)):
        dirs.sort()
        if name in dirs:
            return os.path.join(root, name)
    sys.exit(f"prepare.py: no folder {name} under {raw}")


def lines(path: str):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def main(raw: str, out: str) -> None:
    essential = find_dir(raw, "essential_data")
    supplemental = os.path.join(os.path.dirname(essential), "supplemental_data")
    folds = [line.split(",") for line in lines(os.path.join(essential, "CVfolds_2.txt"))[1:] if line]
    labelled = [int(rec) for rec, fold in folds if fold.strip() == "0"]
    new_id = {old: new for new, old in enumerate(labelled)}
    test = set(random.Random(SEED).sample(range(len(labelled)), round(len(labelled) * TEST_FRACTION)))

    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(os.path.join(public, "essential_data"), exist_ok=True)
    os.makedirs(private, exist_ok=True)
    with open(os.path.join(public, "essential_data", "CVfolds_2.txt"), "w", encoding="utf-8") as f:
        f.write("rec_id,fold\n")
        f.writelines(f"{i},{1 if i in test else 0}\n" for i in range(len(labelled)))
    names = {}
    with open(os.path.join(public, "essential_data", "rec_id2filename.txt"), "w", encoding="utf-8") as f:
        f.write("rec_id,filename\n")
        for line in lines(os.path.join(essential, "rec_id2filename.txt"))[1:]:
            rec, _, name = line.partition(",")
            if rec and int(rec) in new_id:
                names[new_id[int(rec)]] = name
                f.write(f"{new_id[int(rec)]},{name}\n")
    labels = {}
    for line in lines(os.path.join(essential, "rec_labels_test_hidden.txt"))[1:]:
        rec, _, rest = line.partition(",")
        if rec and int(rec) in new_id:
            labels[new_id[int(rec)]] = [int(s) for s in rest.split(",") if s.strip() not in ("", "?")]
    with open(os.path.join(public, "essential_data", "rec_labels_test_hidden.txt"), "w", encoding="utf-8") as f:
        f.write("rec_id,[labels]\n")
        for i in range(len(labelled)):
            shown = "?" if i in test else ",".join(str(s) for s in labels.get(i, []))
            f.write(f"{i},{shown}\n" if shown else f"{i}\n")
    place(os.path.join(essential, "species_list.txt"), os.path.join(public, "essential_data", "species_list.txt"))
    for i, name in sorted(names.items()):
        place(os.path.join(essential, "src_wavs", f"{name}.wav"), os.path.join(public, "essential_data", "src_wavs", f"{name}.wav"))
        for folder in SUPPLEMENTAL_IMAGES:
            src = os.path.join(supplemental, folder, f"{name}.bmp")
            if os.path.exists(src):
                place(src, os.path.join(public, "supplemental_data", folder, f"{name}.bmp"))
    for table in SUPPLEMENTAL_TABLES:
        src = os.path.join(supplemental, table)
        if not os.path.exists(src):
            continue
        rows = lines(src)
        with open(os.path.join(public, "supplemental_data", table), "w", encoding="utf-8") as f:
            f.write(rows[0] + "\n")
            for line in rows[1:]:
                rec, _, rest = line.partition(",")
                if rec.strip().isdigit() and int(rec) in new_id:
                    f.write(f"{new_id[int(rec)]},{rest}\n")
    answers = [[i * 100 + s, int(s in labels.get(i, []))] for i in sorted(test) for s in range(SPECIES)]
    for name, folder, rows in (
        ("answers.csv", private, answers),
        ("sample_submission.csv", public, [[a[0], 0] for a in answers]),
    ):
        with open(os.path.join(folder, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["Id", "Probability"])
            w.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
