"""Split for ml2021spring-hw2: the frames and their phoneme labels are NumPy arrays, not a table.

27% of the labelled frames (Kaggle's test frames / all frames) become the test side, as
MLE-bench does: their features go to test_11.npy and their labels to the answers (Id = the
test row number, ClassId). The .npy files are read and written with the standard library
(header, then fixed-size rows), so no NumPy is needed. Dojo runs this as
`python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: a seeded Mersenne Twister (whose sequence Python pins) picks the rows.
"""

import ast
import csv
import os
import random
import struct
import sys

from dojo_split import find  # Dojo\'s script library, on the import path in the sandbox

SEED = 0
FOLDER = os.path.join("timit_11", "timit_11")


def open_npy(path: str):
    """(file positioned at the data, header dict, row size in bytes)."""
    f = open(path, "rb")
    if f.read(6) != b"\x93NUMPY":
        sys.exit(f"prepare.py: {path} is not a .npy file")
    major = f.read(2)[0]
    size = struct.unpack("<H" if major == 1 else "<I", f.read(2 if major == 1 else 4))[0]
    header = ast.literal_eval(f.read(size).decode("latin-1"))
    if header["fortran_order"]:
        sys.exit(f"prepare.py: {path} is Fortran-ordered")
    itemsize = int("".join(c for c in header["descr"] if c.isdigit()))
    if header["descr"][1] == "U":
        itemsize *= 4
    row = itemsize
    for n in header["shape"][1:]:
        row *= n
    return f, header, row


def write_npy(path: str, header: dict, rows: int, chunks) -> None:
    shape = (rows,) + tuple(header["shape"][1:])
    text = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (header["descr"], shape)
    pad = 64 - (10 + len(text) + 1) % 64
    encoded = (text + " " * pad + "\n").encode("latin-1")
    with open(path, "wb") as out:
        out.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(encoded)) + encoded)
        for chunk in chunks:
            out.write(chunk)


def main(raw: str, out: str) -> None:
    features, fh, frow = open_npy(find(raw, "train_11.npy"))
    labels, lh, lrow = open_npy(find(raw, "train_label_11.npy"))
    test_file, th, _ = open_npy(find(raw, "test_11.npy"))
    test_file.close()
    n, kaggle_test = fh["shape"][0], th["shape"][0]
    rng = random.Random(SEED)
    held = set(rng.sample(range(n), round(n * kaggle_test / (n + kaggle_test))))
    label_bytes = [labels.read(lrow) for _ in range(n)]
    labels.close()
    decode = (lambda b: b.decode("utf-32-le").rstrip("\x00")) if lh["descr"][1] == "U" else (
        lambda b: str(int.from_bytes(b, "little", signed=True)))
    public = os.path.join(out, "public", FOLDER)
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    train_rows, test_rows = [], []
    for i in range(n):
        (test_rows if i in held else train_rows).append(i)
    start = features.tell()

    def rows_of(indices):
        for i in indices:
            features.seek(start + i * frow)
            yield features.read(frow)

    write_npy(os.path.join(public, "train_11.npy"), fh, len(train_rows), rows_of(train_rows))
    write_npy(os.path.join(public, "test_11.npy"), fh, len(test_rows), rows_of(test_rows))
    write_npy(os.path.join(public, "train_label_11.npy"), lh, len(train_rows), (label_bytes[i] for i in train_rows))
    features.close()
    answers = [[k, decode(label_bytes[i])] for k, i in enumerate(test_rows)]
    for name, folder, rows in (
        ("answers.csv", private, answers),
        ("sample_submission.csv", os.path.join(out, "public"), [[a[0], 0] for a in answers]),
    ):
        with open(os.path.join(folder, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["Id", "ClassId"])
            w.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
