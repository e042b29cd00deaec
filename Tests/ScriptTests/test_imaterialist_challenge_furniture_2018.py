"""imaterialist-challenge-furniture-2018: labels sit in train.json; 6.57% of the images are held
out, stratified by label_id, at least one on each side of every label with two images."""

import json

COMPETITION = "imaterialist-challenge-furniture-2018"
# label_id -> images; and the test images each label must give by the script's rule
# (round(n * 0.0657), at least 1 and at most n - 1 when n >= 2, none for a single image).
SIZES = {3: 1, 7: 2, 11: 5, 20: 20, 42: 40}
HELD = {3: 0, 7: 1, 11: 1, 20: 1, 42: 3}


def build(raw):
    """68 labelled images in shuffled label order, plus one image with no annotation."""
    images, annotations, image_id = [], [], 1
    plan = [label for label, n in SIZES.items() for _ in range(n)]
    plan = plan[::2] + plan[1::2]
    for label in plan:
        images.append({"url": [f"https://example.com/{image_id}.jpg"], "image_id": image_id})
        annotations.append({"image_id": image_id, "label_id": label})
        image_id += 1
    images.append({"url": ["https://example.com/unlabelled.jpg"], "image_id": 999})
    raw.json("train.json", {"images": images, "annotations": annotations})
    raw.json("validation.json", {"images": images[:2], "annotations": annotations[:2]})
    raw.json("test.json", {"images": [{"url": ["https://example.com/t.jpg"], "image_id": 1}]})
    raw.csv("sample_submission_randomlabel.csv", ["id", "predicted"], [[1, 5]])
    return images, {a["image_id"]: a["label_id"] for a in annotations}


def test_holds_out_a_stratified_share_of_each_label(raw, split):
    images, label = build(raw)
    task = split(COMPETITION)

    train = json.loads((task.public / "train.json").read_text(encoding="utf-8"))
    test = json.loads((task.public / "test.json").read_text(encoding="utf-8"))
    assert set(test) == {"images"}, "test.json must carry no annotations"
    test_ids = [i["image_id"] for i in test["images"]]
    train_ids = [i["image_id"] for i in train["images"]]
    assert not set(test_ids) & set(train_ids)
    labelled = [i for i in images if i["image_id"] in label]
    assert sorted(train_ids + test_ids) == sorted(i["image_id"] for i in labelled)
    # Archive order on both sides; train keeps each image's annotation.
    assert train["images"] == [i for i in labelled if i["image_id"] in set(train_ids)]
    assert test["images"] == [i for i in labelled if i["image_id"] in set(test_ids)]
    assert train["annotations"] == [{"image_id": i, "label_id": label[i]} for i in train_ids]
    held = {}
    for i in test_ids:
        held[label[i]] = held.get(label[i], 0) + 1
    assert {k: held.get(k, 0) for k in SIZES} == HELD
    assert [(a["id"], a["predicted"]) for a in task.answers] == [
        (str(i), str(label[i])) for i in test_ids
    ]
    # The sample predicts the most frequent training label.
    assert all(r["predicted"] == "42" for r in task.sample(["id", "predicted"]))
    assert task.copied("validation.json")
