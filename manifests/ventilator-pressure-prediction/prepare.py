"""Split for ventilator-pressure-prediction: whole breaths stay on one side, and only the inspiratory rows (u_out = 0) are answers, as Kaggle and MLE-bench score them.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/
(train, test, sample submission, extra files) and OUT/private/answers.csv, and Dojo then
checksums and checks the result like any declarative split. Deterministic: rows are chosen
by a seeded Mersenne Twister (whose sequence Python pins) and written in archive order.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
import table_split  # noqa: E402  (the shared engine, found next to this manifest folder)

table_split.run(
    TRAIN="train.csv",
    ID="id",
    TARGETS=["pressure"],
    TEST_FRACTION=0.1,
    SEED=0,
    GROUP="breath_id",
    ANSWER_WHERE=["u_out", "0"],
)
