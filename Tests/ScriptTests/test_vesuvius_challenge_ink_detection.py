"""vesuvius-challenge-ink-detection: fragments 2 and 3 become test fragments "a" and "b", their
scans public without their labels, their run-length masks and ir.png's sizes the answers."""

import struct
import zlib

COMPETITION = "vesuvius-challenge-ink-detection"


def png(width, height):
    """A valid greyscale PNG of the given size (only its header is read)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw_rows = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw_rows)) + chunk(b"IEND", b""))


def build(raw):
    for fragment in ("1", "2", "3"):
        for k in range(3):
            raw.media(f"train/{fragment}/surface_volume/{k:02d}.tif")
        raw.media(f"train/{fragment}/mask.png")
        raw.media(f"train/{fragment}/inklabels.png")
        raw.bytes(f"train/{fragment}/ir.png", png(7 + int(fragment), 5))
        raw.csv(f"train/{fragment}/inklabels_rle.csv", ["Id", "Predicted"], [[fragment, f"{fragment} 4 20 3"]])
    raw.media("test/a/mask.png")
    raw.csv("sample_submission.csv", ["Id", "Predicted"], [["a", "1 1 5 1"], ["b", "1 1 5 1"]])


def test_fragments_two_and_three_are_the_test_fragments_with_their_masks_and_sizes(raw, split):
    build(raw)
    task = split(COMPETITION)
    assert task.answers == [
        {"Id": "a", "Predicted": "2 4 20 3", "width": "9", "height": "5"},
        {"Id": "b", "Predicted": "3 4 20 3", "width": "10", "height": "5"},
    ]
    for name, fragment in (("a", "2"), ("b", "3")):
        assert task.tree(f"test/{name}") == [f"test/{name}/mask.png"] + [
            f"test/{name}/surface_volume/{k:02d}.tif" for k in range(3)
        ]
        assert task.copied(f"test/{name}/mask.png", f"train/{fragment}/mask.png")
    assert task.copied("train/1/inklabels.png")
    assert len(task.tree("train/1")) == 7 and task.files("train") == ["1"]
    assert task.sample(["Id", "Predicted"]) == [{"Id": "a", "Predicted": ""}, {"Id": "b", "Predicted": ""}]
