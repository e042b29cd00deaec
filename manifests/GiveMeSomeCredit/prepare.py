"""Split for GiveMeSomeCredit: cs-training.csv leaves its first column (the row number) unnamed; it becomes Id.

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
    TRAIN="cs-training.csv",
    ID="Id",
    RENAME_FIRST="Id",
    TARGETS=["SeriousDlqin2yrs"],
    TEST_FRACTION=0.4036,
    SEED=42,
    EXTRA=["Data Dictionary.xls"],
    PUBLIC_TRAIN="cs-training.csv",
    PUBLIC_TEST="cs-test.csv",
)
