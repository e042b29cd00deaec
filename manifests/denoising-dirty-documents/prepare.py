"""Split for denoising-dirty-documents: the answers are the pixels of the cleaned images.

20% of the training images are held out (seed 0), as MLE-bench does: their noisy scans go to
test/, and every pixel of their cleaned version becomes an answer row
(id = <image>_<row>_<column>, 1-based; value = grey level / 255). PNG files are decoded with
the standard library (zlib and the five PNG filters), so no imaging package is needed. Dojo
runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: a seeded Mersenne Twister (whose sequence Python pins) picks the
images, in name order.
"""

import csv
import os
import random
import struct
import sys
import zlib

from dojo_split import place  # Dojo\'s script library, on the import path in the sandbox

SEED = 0
TEST_FRACTION = 0.2


def find_dir(raw: str, name: str) -> str:
    for root, dirs, _ in sorted(os.walk(raw)):
        dirs.sort()
        if name in dirs:
            return os.path.join(root, name)
    sys.exit(f"prepare.py: no folder {name} under {raw}")


def grey_png(path: str):
    """Rows of 8-bit grey levels (colour converted with ITU-R 601 weights, as PIL's "L" does)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"prepare.py: {path} is not a PNG file")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace:
                sys.exit(f"prepare.py: {path}: only 8-bit, non-interlaced PNG is supported")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    stride = width * channels
    raw = zlib.decompress(idat)
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        previous = line
        if channels == 1 or channels == 2:
            rows.append(bytes(line[::channels]))
        else:
            rows.append(bytes(
                (line[i] * 19595 + line[i + 1] * 38470 + line[i + 2] * 7471 + 0x8000) >> 16
                for i in range(0, stride, channels)))
    return rows


def main(raw: str, out: str) -> None:
    noisy, clean = find_dir(raw, "train"), find_dir(raw, "train_cleaned")
    images = sorted(n for n in os.listdir(noisy) if n.endswith(".png"))
    held = set(random.Random(SEED).sample(images, round(len(images) * TEST_FRACTION)))
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    for name in images:
        if name in held:
            place(os.path.join(noisy, name), os.path.join(public, "test", name))
        else:
            place(os.path.join(noisy, name), os.path.join(public, "train", name))
            place(os.path.join(clean, name), os.path.join(public, "train_cleaned", name))
    with open(os.path.join(private, "answers.csv"), "w", newline="", encoding="utf-8") as fa, open(
        os.path.join(public, "sample_submission.csv"), "w", newline="", encoding="utf-8"
    ) as fs:
        wa, ws = csv.writer(fa, lineterminator="\n"), csv.writer(fs, lineterminator="\n")
        wa.writerow(["id", "value"])
        ws.writerow(["id", "value"])
        for name in sorted(held):
            stem = name[: -len(".png")]
            for r, row in enumerate(grey_png(os.path.join(clean, name)), start=1):
                for c, level in enumerate(row, start=1):
                    wa.writerow([f"{stem}_{r}_{c}", repr(level / 255)])
                    ws.writerow([f"{stem}_{r}_{c}", 1])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
