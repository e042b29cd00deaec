"""denoising-dirty-documents: 20% of the images are held out and every pixel of their cleaned
version becomes an answer (grey level / 255)."""

import struct
import zlib

COMPETITION = "denoising-dirty-documents"


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def png(pixels: list, colour: bool = False) -> bytes:
    """An 8-bit PNG of grey `pixels` (rows of levels), grey or RGB with R = G = B, each row
    using one of the five filters in turn so the script's decoder meets all of them."""
    channels = 3 if colour else 1
    rows = [bytes(v for v in row for _ in range(channels)) for row in pixels]
    data, previous = b"", bytes(len(rows[0]))
    for y, row in enumerate(rows):
        kind = y % 5
        line = bytearray([kind])
        for x, value in enumerate(row):
            a = row[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            line.append((value - predictor) & 255)
        data += bytes(line)
        previous = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", len(pixels[0]), len(pixels), 8, 2 if colour else 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(data))
        + chunk(b"IEND", b"")
    )


def cleaned(image: int) -> list:
    """The cleaned image's grey levels: 5 rows (one per PNG filter) of 6 columns."""
    return [
        [(image * 37 + r * 61 + c * 13 + 200 * (r == c)) % 256 for c in range(6)] for r in range(5)
    ]


def build(raw):
    """Ten scans with their cleaned versions (one stored as RGB), and the unlabelled test/."""
    names = {}
    for image in range(10):
        name = f"{2 + image * 3}.png"
        names[name] = cleaned(image)
        raw.bytes(f"train/{name}", png([[255 - v for v in row] for row in cleaned(image)]))
        raw.bytes(f"train_cleaned/{name}", png(cleaned(image), colour=image == 8))
    raw.bytes("test/1.png", png([[1, 2], [3, 4]]))
    raw.csv("sampleSubmission.csv", ["id", "value"], [["1_1_1", 1]])
    return names


def test_holds_out_a_fifth_of_the_images_and_answers_every_cleaned_pixel(raw, split):
    images = build(raw)
    task = split(COMPETITION)

    test = task.files("test")
    train = task.files("train")
    assert len(test) == 2 and sorted(train + test) == sorted(images)
    assert task.files("train_cleaned") == train, "train_cleaned/ must match train/ exactly"
    kinds = {(raw.root / "train_cleaned" / name).read_bytes()[25] for name in test}
    assert kinds == {0, 2}, "the miniature should hold out one grey and one RGB cleaned image"
    for folder, names in (("test", test), ("train", train), ("train_cleaned", train)):
        source = "train" if folder == "test" else folder
        for name in names:
            assert task.copied(f"{folder}/{name}", f"{source}/{name}")
    expected = [
        (f"{name[:-4]}_{r}_{c}", level / 255)
        for name in sorted(test)
        for r, row in enumerate(images[name], start=1)
        for c, level in enumerate(row, start=1)
    ]
    assert [(a["id"], float(a["value"])) for a in task.answers] == expected
    assert all(r["value"] == "1" for r in task.sample(["id", "value"]))
