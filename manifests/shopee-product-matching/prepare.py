"""Split for shopee-product-matching: a random 20% of the postings (seed 42) as MLE-Dojo holds out; each answer is the space-separated list of test postings that share its label_group, itself included.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/
(train, test, sample submission, extra files) and OUT/private/answers.csv, and Dojo then
checksums and checks the result like any declarative split. Deterministic: rows are chosen
by a seeded Mersenne Twister (whose sequence Python pins) and written in archive order.
"""

import csv
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
from split_files import column, place  # noqa: E402  (shared helpers, next to this manifest folder)
import table_split  # noqa: E402  (the shared engine, found next to this manifest folder)


table_split.run(
    TRAIN='train.csv',
    ID='posting_id',
    NEW_ID='posting_id',
    TARGETS=['label_group'],
    TEST_FRACTION=0.2,
    SEED=42,
    LABELS=True,
)

# Answers: the test postings of the same label_group (sorted); sample submission: the posting
# itself (posts always self-match). Each side gets its images.
out, raw = sys.argv[2], sys.argv[1]
public = os.path.join(out, "public")
answers_path = os.path.join(out, "private", "answers.csv")
with open(answers_path, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))[1:]
groups = {}
for posting, group in rows:
    groups.setdefault(group, []).append(posting)
with open(answers_path + ".tmp", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["posting_id", "matches"])
    w.writerows([p, " ".join(sorted(groups[g]))] for p, g in rows)
os.replace(answers_path + ".tmp", answers_path)
sample_path = os.path.join(public, "sample_submission.csv")
with open(sample_path + ".tmp", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["posting_id", "matches"])
    w.writerows([p, p] for p, _ in rows)
os.replace(sample_path + ".tmp", sample_path)
for side in ("train", "test"):
    for image in sorted(set(column(os.path.join(public, side + ".csv"), "image"))):
        place(
            os.path.join(raw, "train_images", image),
            os.path.join(public, side + "_images", image))
