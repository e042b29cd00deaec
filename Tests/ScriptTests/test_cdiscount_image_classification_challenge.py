"""cdiscount-image-classification-challenge: products are BSON records; 10% go to test.bson
without their category_id."""

import struct

COMPETITION = "cdiscount-image-classification-challenge"


def cstring(text: str) -> bytes:
    return text.encode("utf-8") + b"\x00"


def document(elements: list) -> bytes:
    """A BSON document from (type byte, name, encoded value) elements."""
    body = b"".join(bytes([kind]) + cstring(name) + value for kind, name, value in elements)
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def product(number: int, labelled: bool = True) -> bytes:
    """A product as Cdiscount's train.bson holds it: _id, imgs (an array of {picture: binary})
    and category_id; ids alternate int32/int64 so both widths are read."""
    jpeg = [b"\xff\xd8" + bytes([number % 256, k]) + b"\xff\xd9" for k in range(1 + number % 3)]
    binary = [struct.pack("<i", len(j)) + b"\x00" + j for j in jpeg]
    pictures = [(0x03, str(k), document([(0x05, "picture", b)])) for k, b in enumerate(binary)]
    if number % 2:
        _id = (0x10, "_id", struct.pack("<i", number))
    else:
        _id = (0x12, "_id", struct.pack("<q", number))
    category = (0x12, "category_id", struct.pack("<q", 1000010653 + number % 5))
    return document([_id, (0x04, "imgs", document(pictures))] + ([category] if labelled else []))


def records(data: bytes) -> list:
    out, pos = [], 0
    while pos < len(data):
        size = struct.unpack("<i", data[pos : pos + 4])[0]
        out.append(data[pos : pos + size])
        pos += size
    return out


def build(raw):
    docs = [product(n) for n in range(40)]
    raw.bytes("train.bson", b"".join(docs))
    raw.bytes("test.bson", product(1000, labelled=False))
    raw.bytes("train_example.bson", docs[0])
    raw.csv(
        "category_names.csv",
        ["category_id", "category_level1", "category_level2", "category_level3"],
        [[1000010653 + k, "ABONNEMENT", "SERVICES", f"CARTE {k}"] for k in range(5)],
    )
    raw.csv("category_level1.csv", ["category_id", "name"], [[1, "x"]])
    return docs


def test_moves_a_tenth_of_the_products_to_test_bson_without_their_category(raw, split):
    docs = build(raw)
    task = split(COMPETITION)

    ids = [int(a["_id"]) for a in task.answers]
    assert len(ids) == 4 and ids == sorted(ids)
    for a in task.answers:
        assert int(a["category_id"]) == 1000010653 + int(a["_id"]) % 5
    train = records((task.public / "train.bson").read_bytes())
    test = records((task.public / "test.bson").read_bytes())
    others = [d for n, d in enumerate(docs) if n not in ids]
    assert train == others, "train.bson must be the other records, byte for byte"
    assert len(train) + len(test) == len(docs)
    # A test record is its product without the category_id element: _id and images untouched.
    for n, record in zip(sorted(ids), test, strict=True):
        assert b"category_id\x00" not in record
        full = docs[n]
        cut = full.index(b"\x12category_id\x00")
        assert record == struct.pack("<i", len(record)) + full[4:cut] + full[cut + 1 + 12 + 8 :]
    example = records((task.public / "train_example.bson").read_bytes())
    assert example == train[: len(example)] and len(example) == len(train)  # fewer than 100 records
    assert task.copied("category_names.csv")
    assert all(r["category_id"] == "1000010653" for r in task.sample(["_id", "category_id"]))
