"""Split for cdiscount-image-classification-challenge: the products are BSON records, not a table.

10% of the products (seed 0) become the test side, as MLE-bench does: their records go to
test.bson without category_id, and (_id, category_id) become the answers, sorted by _id.
BSON is read and rewritten with the standard library (only the top-level elements are
parsed; the images inside stay untouched bytes). Dojo runs this as
`python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: a seeded Mersenne Twister (whose sequence Python pins) picks the
products; records are written in archive order.
"""

import csv
import os
import random
import shutil
import struct
import sys

from dojo_split import find  # Dojo\'s script library, on the import path in the sandbox

SEED = 0
TEST_FRACTION = 0.1
EXAMPLE_ROWS = 100  # train_example.bson: the first training records
FIXED = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16}


def records(path: str):
    with open(path, "rb") as f:
        while True:
            head = f.read(4)
            if not head:
                return
            size = struct.unpack("<i", head)[0]
            yield head + f.read(size - 4)


def elements(doc: bytes):
    """(name, type, value bytes, whole element bytes) of a document's top level."""
    pos, end = 4, len(doc) - 1
    while pos < end:
        start, kind = pos, doc[pos]
        name_end = doc.index(b"\x00", pos + 1)
        name = doc[pos + 1 : name_end].decode("utf-8")
        pos = name_end + 1
        if kind in FIXED:
            size = FIXED[kind]
        elif kind in (0x02, 0x0D, 0x0E):
            size = 4 + struct.unpack("<i", doc[pos : pos + 4])[0]
        elif kind in (0x03, 0x04):
            size = struct.unpack("<i", doc[pos : pos + 4])[0]
        elif kind == 0x05:
            size = 5 + struct.unpack("<i", doc[pos : pos + 4])[0]
        else:
            sys.exit(f"prepare.py: unsupported BSON element type {kind:#x} in field {name}")
        yield name, kind, doc[pos : pos + size], doc[start : pos + size]
        pos += size


def integer(kind: int, value: bytes) -> int:
    return struct.unpack("<i" if kind == 0x10 else "<q", value)[0]


def without(doc: bytes, field: str) -> bytes:
    body = b"".join(whole for name, _, _, whole in elements(doc) if name != field)
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def key_of(doc: bytes):
    found = {name: integer(kind, value) for name, kind, value, _ in elements(doc) if name in ("_id", "category_id")}
    return found["_id"], found["category_id"]


def main(raw: str, out: str) -> None:
    path = find(raw, "train.bson")
    ids = [key_of(doc)[0] for doc in records(path)]
    held = set(random.Random(SEED).sample(ids, round(len(ids) * TEST_FRACTION)))
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    answers, example = [], 0
    with open(os.path.join(public, "train.bson"), "wb") as ftr, open(
        os.path.join(public, "test.bson"), "wb"
    ) as fte, open(os.path.join(public, "train_example.bson"), "wb") as fex:
        for doc in records(path):
            product, category = key_of(doc)
            if product in held:
                fte.write(without(doc, "category_id"))
                answers.append([product, category])
            else:
                ftr.write(doc)
                if example < EXAMPLE_ROWS:
                    fex.write(doc)
                    example += 1
    answers.sort()
    shutil.copyfile(find(raw, "category_names.csv"), os.path.join(public, "category_names.csv"))
    for name, folder, rows in (
        ("answers.csv", private, answers),
        ("sample_submission.csv", public, [[a[0], 1000010653] for a in answers]),
    ):
        with open(os.path.join(folder, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["_id", "category_id"])
            w.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
