"""Split for random-acts-of-pizza: the requests are JSON records; held-out records lose the fields Kaggle's test.json lacks (the outcome and everything known only after the request).

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
    ID="request_id",
    TARGET="requester_received_pizza",
    SEED=0,
)
