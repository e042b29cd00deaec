"""Split for walmart-recruiting-store-sales-forecasting: rows are keyed by Store, Dept and Date, joined into Id as MLE-Dojo does; the answers get a Weight column (5 for holiday weeks, else 1) that the submission leaves out.

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
    NEW_ID='Id',
    ID_PARTS=['Store', 'Dept', 'Date'],
    TARGETS=['Weekly_Sales'],
    TEST_FRACTION=0.2144,
    SEED=42,
    EXTRA=['features.csv', 'stores.csv'],
)

# Kaggle's WMAE weighs holiday weeks 5 times: the answers carry that weight, read from the
# public test table (written in the same row order as the answers).
out = sys.argv[2]
answers_path = os.path.join(out, "private", "answers.csv")
with open(os.path.join(out, "public", "test.csv"), newline="", encoding="utf-8") as f:
    holiday = [row["IsHoliday"] for row in csv.DictReader(f)]
with open(answers_path, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
with open(answers_path + ".tmp", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(rows[0] + ["Weight"])
    for row, h in zip(rows[1:], holiday):
        w.writerow(row + ["5" if h.strip().lower() == "true" else "1"])
os.replace(answers_path + ".tmp", answers_path)
