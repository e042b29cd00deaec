"""iwildcam-2020-fgvc7: labels sit in a COCO-style file; whole camera locations go to the test
side until held / (images + held) reaches 0.22 (MLE-bench's criterion: about 28% of the images)."""

import json

COMPETITION = "iwildcam-2020-fgvc7"
TRAIN_JSON = "iwildcam2020_train_annotations.json"
TEST_JSON = "iwildcam2020_test_information.json"
DETECTIONS = "iwildcam2020_megadetector_results.json"
CATEGORIES = [{"id": k, "name": name} for k, name in enumerate(["empty", "deer", "fox", "tayra"])]


def build(raw):
    """60 images from 10 locations of 1-11 images each, one image annotated twice."""
    images, annotations = [], []
    for location in range(10):
        for frame in range(1 + (location * 4) % 11):
            image_id = f"{location:02d}-{frame:02d}-96b00332"
            images.append(
                {
                    "id": image_id,
                    "file_name": f"{image_id}.jpg",
                    "location": 100 + location,
                    "seq_id": f"seq-{location}",
                    "frame_num": frame,
                    "width": 4,
                    "height": 3,
                }
            )
            annotations.append(
                {"id": f"a-{image_id}", "image_id": image_id, "category_id": (location + frame) % 4}
            )
            raw.media(f"train/{image_id}.jpg")
    annotations.append({"id": "a-extra", "image_id": images[5]["id"], "category_id": 3})
    info = {"version": "2020", "description": "miniature"}
    raw.json(
        TRAIN_JSON,
        {"info": info, "categories": CATEGORIES, "annotations": annotations, "images": images},
    )
    raw.json(
        TEST_JSON,
        {
            "images": [{"id": "t-1", "file_name": "t-1.jpg", "location": 900}],
            "categories": CATEGORIES,
            "info": info,
        },
    )
    raw.json(DETECTIONS, {"images": [{"id": i["id"], "detections": []} for i in images]})
    raw.media("test/t-1.jpg")
    raw.csv("sample_submission.csv", ["Id", "Category"], [["t-1", 0]])
    return images, annotations


def test_holds_out_whole_locations_as_mle_bench_sizes_its_test_side(raw, split):
    images, annotations = build(raw)
    task = split(COMPETITION)

    train = json.loads((task.public / TRAIN_JSON).read_text(encoding="utf-8"))
    test = json.loads((task.public / TEST_JSON).read_text(encoding="utf-8"))
    assert set(test) == {"images", "categories", "info"}, "the test file must carry no annotations"
    assert train["categories"] == CATEGORIES and test["categories"] == CATEGORIES
    test_ids = {i["id"] for i in test["images"]}
    train_ids = {i["id"] for i in train["images"]}
    assert test["images"] == [i for i in images if i["id"] in test_ids]
    assert train["images"] == [i for i in images if i["id"] not in test_ids]
    assert train["annotations"] == [a for a in annotations if a["image_id"] in train_ids]
    # Locations are never split, and locations were added until held / (all + held) >= 0.22.
    test_locations = {i["location"] for i in test["images"]}
    assert not test_locations & {i["location"] for i in train["images"]}
    sizes = {loc: sum(1 for i in images if i["location"] == loc) for loc in test_locations}
    held = len(test_ids)
    assert held >= 0.22 * (len(images) + held)
    before_last = held - max(sizes.values())
    assert before_last < 0.22 * (len(images) + before_last)
    assert held / len(images) > 0.26, "MLE-bench's test side holds about 28% of the images"
    # One answer per test image: its first annotation, in annotation order.
    first = {}
    for a in annotations:
        first.setdefault(a["image_id"], a["category_id"])
    assert [(a["Id"], a["Category"]) for a in task.answers] == [
        (i, str(c)) for i, c in first.items() if i in test_ids
    ]
    assert set(task.answer_ids()) == test_ids
    for side, ids in (("train", train_ids), ("test", test_ids)):
        assert task.files(side) == sorted(f"{i}.jpg" for i in ids)
        for i in ids:
            assert task.copied(f"{side}/{i}.jpg", f"train/{i}.jpg")
    assert task.copied(DETECTIONS)
    assert all(r["Category"] == "0" for r in task.sample(["Id", "Category"]))
