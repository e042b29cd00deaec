"""Split for jigsaw-toxic-comment-classification-challenge: Kaggle's own split, minus unscored rows.

MLE-bench keeps Kaggle's split: train.csv is the training side, and test.csv with the labels
released after the competition (test_labels.csv) is the test side. Rows Kaggle did not score
carry -1 in every label; they are left out of the test table and the answers, as MLE-bench's
grader leaves them out. Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only;
it writes OUT/public/ and OUT/private/answers.csv, and Dojo then checksums and checks the
result like any declarative split. Deterministic: no randomness; archive order.
"""

import csv
import os
import shutil
import sys

from dojo_split import find  # Dojo\'s script library, on the import path in the sandbox

LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]

csv.field_size_limit(1 << 30)


def read(path: str):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, list(reader)


def main(raw: str, out: str) -> None:
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    shutil.copyfile(find(raw, "train.csv"), os.path.join(public, "train.csv"))
    header, labels = read(find(raw, "test_labels.csv"))
    index = [header.index(c) for c in LABELS]
    scored = {row[header.index("id")]: [row[i] for i in index] for row in labels if all(row[i] != "-1" for i in index)}
    test_header, test_rows = read(find(raw, "test.csv"))
    id_col = test_header.index("id")
    kept = [row for row in test_rows if row[id_col] in scored]
    for name, folder, head, rows in (
        ("test.csv", public, test_header, kept),
        ("answers.csv", private, ["id"] + LABELS, [[r[id_col]] + scored[r[id_col]] for r in kept]),
        ("sample_submission.csv", public, ["id"] + LABELS, [[r[id_col]] + ["0.5"] * len(LABELS) for r in kept]),
    ):
        with open(os.path.join(folder, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(head)
            w.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
