"""Split for kobe-bryant-shot-selection: data.csv mixes labelled rows with Kaggle’s 5000 unlabelled test rows, which are left out.

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
    TRAIN="data.csv",
    ID="shot_id",
    TARGETS=["shot_made_flag"],
    TEST_FRACTION=0.1946,
    SEED=42,
    DROP_UNLABELLED=True,
)
