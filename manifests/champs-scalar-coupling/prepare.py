"""Split for champs-scalar-coupling: 10% of the molecules (grouped by molecule_name, seed 0) as MLE-bench holds out; the answers keep each row's coupling type (as coupling_type), which the metric groups by.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/
(train, test, sample submission, extra files) and OUT/private/answers.csv, and Dojo then
checksums and checks the result like any declarative split. Deterministic: rows are chosen
by a seeded Mersenne Twister (whose sequence Python pins) and written in archive order.
"""

import csv
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
from split_files import column, place  # noqa: E402  (shared helpers, next to this manifest folder)
import table_split  # noqa: E402  (the shared engine, found next to this manifest folder)


table_split.run(
    TRAIN='train.csv',
    ID='id',
    TARGETS=['scalar_coupling_constant'],
    TEST_FRACTION=0.1,
    SEED=0,
    GROUP='molecule_name',
    EXTRA=['structures.csv'],
)

# The answers get the coupling type of each row as coupling_type (from the public test table,
# written in the same order; `type` itself stays a public feature), and the training-only tables keep the training molecules only: their test rows
# would give the answers away.
out = sys.argv[2]
public = os.path.join(out, "public")
answers_path = os.path.join(out, "private", "answers.csv")
types = column(os.path.join(public, "test.csv"), "type")
with open(answers_path, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
with open(answers_path + ".tmp", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(rows[0] + ["coupling_type"])
    w.writerows(row + [t] for row, t in zip(rows[1:], types))
os.replace(answers_path + ".tmp", answers_path)
train_molecules = set(column(os.path.join(public, "train.csv"), "molecule_name"))
for name in ['dipole_moments.csv', 'magnetic_shielding_tensors.csv', 'mulliken_charges.csv', 'potential_energy.csv', 'scalar_coupling_contributions.csv']:
    with open(table_split.find(sys.argv[1], name), newline="", encoding="utf-8") as src, open(
        os.path.join(public, name), "w", newline="", encoding="utf-8"
    ) as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        at = header.index("molecule_name")
        writer.writerows(row for row in reader if row[at] in train_molecules)
