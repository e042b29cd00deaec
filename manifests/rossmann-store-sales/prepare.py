"""Split for rossmann-store-sales: train.csv has no id column (rows are keyed by Store and Date), so rows are numbered into Id, as MLE-Dojo numbers its answers.

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
    TRAIN='train.csv',
    ID=None,
    NEW_ID='Id',
    ID_PARTS=[],
    RENAME_FIRST=None,
    TARGETS=['Sales'],
    DROP=['Customers'],
    TEST_FRACTION=0.0388,
    TEST_ROWS=None,
    SEED=42,
    STRATIFY=None,
    GROUP=None,
    DROP_UNLABELLED=False,
    EXTRA=['store.csv'],
    PUBLIC_TRAIN='train.csv',
    PUBLIC_TEST='test.csv',
    LABELS=False,
    CLASSES_FROM_TRAIN=False,
    DELIMITER=',',
    ENCODING='utf-8',
    ANSWER_WHERE=None,
    QUOTE_NONE=False,
    ESCAPECHAR=None,
    PROBABILITY_OF=None,
)
