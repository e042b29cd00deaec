"""Split for statoil-iceberg-classifier-challenge: the images are JSON records (two radar bands each); held-out records lose is_iceberg.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: records are chosen by a seeded Mersenne Twister (whose sequence Python
pins) and written in archive order.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
import json_records_split  # noqa: E402  (the shared split, found next to this manifest folder)

json_records_split.run(
    ID="id",
    TARGET="is_iceberg",
    TEST_FRACTION=0.2,  # MLE-bench holds out 20%
    SEED=0,
)
