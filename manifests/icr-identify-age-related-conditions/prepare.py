"""Split for icr-identify-age-related-conditions: a stratified 20% of train.csv (seed 42) as MLE-Dojo holds out; the answers become one-hot class_0, class_1 columns, named as the submission's.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/
(train, test, sample submission, extra files) and OUT/private/answers.csv, and Dojo then
checksums and checks the result like any declarative split. Deterministic: rows are chosen
by a seeded Mersenne Twister (whose sequence Python pins) and written in archive order.
"""

import csv
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
import table_split  # noqa: E402  (the shared engine, found next to this manifest folder)

table_split.run(
    TRAIN='train.csv',
    ID='Id',
    NEW_ID='Id',
    TARGETS=['Class'],
    TEST_FRACTION=0.2,
    SEED=42,
    STRATIFY='Class',
)

# The submission holds class_0 and class_1 probabilities: the answers become one-hot columns of
# those names, and the sample submission holds each class's training share.
out = sys.argv[2]
answers_path = os.path.join(out, "private", "answers.csv")
with open(answers_path, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))[1:]
with open(answers_path + ".tmp", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["Id", "class_0", "class_1"])
    w.writerows([i, "1" if c == "0" else "0", "1" if c == "1" else "0"] for i, c in rows)
os.replace(answers_path + ".tmp", answers_path)
with open(os.path.join(out, "public", "train.csv"), newline="", encoding="utf-8") as f:
    labels = [row["Class"] for row in csv.DictReader(f)]
share = sum(c == "1" for c in labels) / max(1, len(labels))
sample_path = os.path.join(out, "public", "sample_submission.csv")
with open(sample_path + ".tmp", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["Id", "class_0", "class_1"])
    w.writerows([i, repr(1 - share), repr(share)] for i, _ in rows)
os.replace(sample_path + ".tmp", sample_path)
