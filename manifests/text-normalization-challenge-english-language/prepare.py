"""Split for text-normalization-challenge-english-language: tokens are keyed by sentence_id and token_id, joined into id; whole sentences stay on one side, and class (the token kind) leaves the test side.

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
    TRAIN="en_train.csv",
    ID_PARTS=["sentence_id", "token_id"],
    TARGETS=["after"],
    DROP=["class"],
    TEST_FRACTION=0.1,
    SEED=0,
    GROUP="sentence_id",
    PUBLIC_TRAIN="en_train.csv",
    PUBLIC_TEST="en_test_2.csv",
    LABELS=True,
)
