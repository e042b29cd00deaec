"""vesuvius-challenge-ink-detection: fragment 3 becomes test fragment "a", its scans public
without its labels, its run-length mask and ir.png's size the answer."""

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


def test_fragment_three_is_the_test_fragment_with_its_mask_and_size(raw, split):
    build(raw)
    task = split(COMPETITION)
    assert task.answers == [{"Id": "a", "Predicted": "3 4 20 3", "width": "10", "height": "5"}]
    assert task.tree("test") == ["test/a/mask.png"] + [f"test/a/surface_volume/{k:02d}.tif" for k in range(3)]
    assert task.copied("test/a/mask.png", "train/3/mask.png")
    for fragment in ("1", "2"):
        assert task.copied(f"train/{fragment}/inklabels.png")
        assert len(task.tree(f"train/{fragment}")) == 7
    assert task.sample(["Id", "Predicted"]) == [{"Id": "a", "Predicted": ""}]
