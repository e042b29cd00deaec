"""dogs-vs-cats-redux-kernels-edition: the class is in each image's name; 10% are held out and
renamed 1.jpg, 2.jpg, ... so the name no longer tells."""

COMPETITION = "dogs-vs-cats-redux-kernels-edition"


def build(raw):
    names = [f"{kind}.{n}.jpg" for kind in ("cat", "dog") for n in range(15)]
    for name in names:
        raw.media(f"train/{name}")
    raw.media("test/1.jpg")
    raw.csv("sample_submission.csv", ["id", "label"], [[1, 0.5]])
    return names


def test_holds_out_a_tenth_renamed_by_number_with_dog_as_label_one(raw, split):
    names = build(raw)
    task = split(COMPETITION)

    train = task.files("train")
    test = task.files("test")
    assert len(test) == 3 and sorted(test) == ["1.jpg", "2.jpg", "3.jpg"]
    assert len(train) + len(test) == len(names)
    for name in train:
        assert task.copied(f"train/{name}")
    # Each test image is a held-out training image (traced by its bytes); its label is the
    # class its original name carried, and that original is not in train.
    originals = {(raw.root / "train" / n).read_bytes(): n for n in names}
    assert [a["id"] for a in task.answers] == ["1", "2", "3"]
    for answer in task.answers:
        original = originals[(task.public / "test" / f"{answer['id']}.jpg").read_bytes()]
        assert original not in train
        assert answer["label"] == ("1" if original.startswith("dog.") else "0")
    assert all(r["label"] == "0.5" for r in task.sample(["id", "label"]))
