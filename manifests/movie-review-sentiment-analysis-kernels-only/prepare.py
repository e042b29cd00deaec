"""Split for movie-review-sentiment-analysis-kernels-only: train.tsv is tab-separated, with no quoting.

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
    TRAIN="train.tsv",  # the labelled table, by its name in the archive
    ID="PhraseId",  # the id column (None: rows are numbered from 0 into NEW_ID)
    NEW_ID="id",
    ID_PARTS=[],  # columns joined by "_" into NEW_ID when no single column identifies a row
    RENAME_FIRST=None,  # a new name for the first column (Kaggle left it unnamed)
    TARGETS=["Sentiment"],
    DROP=[],  # columns removed from the public test table besides the targets
    TEST_FRACTION=0.3,
    TEST_ROWS=None,
    SEED=0,
    STRATIFY=None,
    GROUP=None,
    DROP_UNLABELLED=False,  # rows whose target is empty are left out
    EXTRA=[],
    PUBLIC_TRAIN="train.csv",
    PUBLIC_TEST="test.csv",
    LABELS=True,  # targets are labels: the sample submission holds the most frequent one
    CLASSES_FROM_TRAIN=False,  # the sample submission holds one prior probability column per class
    DELIMITER="\t",
    ENCODING="utf-8",
    ANSWER_WHERE=None,  # (column, value): only test rows with that value are scored
    QUOTE_NONE=True,  # fields are never quoted (quote characters are data)
    ESCAPECHAR=None,  # the character that escapes a quote inside a quoted field
    PROBABILITY_OF=None,  # the sample submission holds the share of training rows with this label
)
