"""Split for grupo-bimbo-inventory-demand: train.csv has no id column, so rows are numbered into id.

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
    TARGETS=["Demanda_uni_equil"],
    DROP=["Venta_uni_hoy", "Venta_hoy", "Dev_uni_proxima", "Dev_proxima"],
    TEST_FRACTION=0.0862,
    SEED=42,
    EXTRA=["cliente_tabla.csv", "producto_tabla.csv", "town_state.csv"],
)
