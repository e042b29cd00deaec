"""hubmap-kidney-segmentation: 3 of 15 slides held out; their masks and sizes (from the
dataset information table) are the answers."""

COMPETITION = "hubmap-kidney-segmentation"

INFO = ["image_file", "width_pixels", "height_pixels", "anatomical_structures_segmention_file", "patient_number"]


def build(raw):
    ids = [f"{n:x}e5c2a{n}" for n in range(15)]
    rows, info = [], []
    for n, slide in enumerate(ids):
        for name in (f"{slide}.tiff", f"{slide}.json", f"{slide}-anatomical-structure.json"):
            raw.media(f"train/{name}")
        rows.append([slide, f"{1 + n} {5 + n} {100 + n} 3"])
        info.append([f"{slide}.tiff", 30000 + n, 20000 + n, f"{slide}-anatomical-structure.json", 60000 + n])
    info.append(["aa05346ff.tiff", 47340, 30720, "aa05346ff-anatomical-structure.json", 67177])
    raw.csv("train.csv", ["id", "encoding"], rows)
    raw.csv("HuBMAP-20-dataset_information.csv", INFO, info)
    raw.media("test/aa05346ff.tiff")
    raw.csv("sample_submission.csv", ["id", "predicted"], [["aa05346ff", ""]])
    return rows


def test_holds_out_three_slides_with_their_masks_and_sizes(raw, split):
    rows = build(raw)
    task = split(COMPETITION)
    assert len(task.answers) == 3
    encoding = dict((r[0], r[1]) for r in rows)
    for answer in task.answers:
        slide = answer["id"]
        n = rows.index([slide, encoding[slide]])
        assert answer["encoding"] == encoding[slide]
        assert answer["width_pixels"] == str(30000 + n) and answer["height_pixels"] == str(20000 + n)
        for name in (f"{slide}.tiff", f"{slide}.json", f"{slide}-anatomical-structure.json"):
            assert task.copied(f"test/{name}", f"train/{name}")
    assert len(task.files("train")) == 36 and len(task.files("test")) == 9
    _, train = task.csv("train.csv")
    assert len(train) == 12 and {r["id"] for r in train}.isdisjoint(task.answer_ids())
    _, info = task.csv("HuBMAP-20-dataset_information.csv")
    assert len(info) == 15
    assert all(r["encoding"] == "" for r in task.sample(["id", "encoding"]))
