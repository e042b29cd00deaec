"""facial-keypoints-detection: all but 5266 shuffled images become the test side; each present
keypoint of a test image is an answer row, listed in IdLookupTable.csv."""

COMPETITION = "facial-keypoints-detection"
TRAIN_ROWS = 5266
PARTS = (
    "left_eye_center right_eye_center left_eye_inner_corner left_eye_outer_corner"
    " right_eye_inner_corner right_eye_outer_corner left_eyebrow_inner_end left_eyebrow_outer_end"
    " right_eyebrow_inner_end right_eyebrow_outer_end nose_tip mouth_left_corner"
    " mouth_right_corner mouth_center_top_lip mouth_center_bottom_lip"
).split()
KEYPOINTS = [f"{part}_{axis}" for part in PARTS for axis in ("x", "y")]


def build(raw):
    """5300 images (a few pixels each, unique) with some keypoints missing."""
    rows = []
    for n in range(5300):
        points = [
            "" if (n + k) % 7 == 0 else f"{30 + (n * 31 + k * 17) % 400 / 10:.4f}"
            for k in range(30)
        ]
        rows.append(points + [f"{n % 256} {n // 256} 7"])
    raw.csv("training.csv", KEYPOINTS + ["Image"], rows)
    raw.csv("test.csv", ["ImageId", "Image"], [[1, "1 2 3"]])
    raw.csv(
        "IdLookupTable.csv",
        ["RowId", "ImageId", "FeatureName", "Location"],
        [[1, 1, "nose_tip_x", ""]],
    )
    raw.csv("SampleSubmission.csv", ["RowId", "Location"], [[1, 0]])
    return rows


def test_keeps_5266_images_for_training_and_answers_each_present_keypoint(raw, split):
    source = build(raw)
    task = split(COMPETITION)

    header, train = task.csv("training.csv")
    assert header == KEYPOINTS + ["Image"]
    assert len(train) == TRAIN_ROWS
    position = {r[-1]: n for n, r in enumerate(source)}
    order = [position[r["Image"]] for r in train]
    assert order == sorted(order), "training.csv keeps archive order"
    assert [list(r.values()) for r in train] == [source[n] for n in order]
    test_header, test = task.csv("test.csv")
    assert test_header == ["ImageId", "Image"], "the public test table holds no keypoint"
    assert [r["ImageId"] for r in test] == [str(n) for n in range(1, len(source) - TRAIN_ROWS + 1)]
    by_image = {r[-1]: r for r in source}
    train_images = {r["Image"] for r in train}
    assert not train_images & {r["Image"] for r in test}, "a test image is also in training.csv"
    assert len(train_images | {r["Image"] for r in test}) == len(source)
    # RowId runs over every keypoint of every test image; missing keypoints are skipped.
    lookup_header, lookup = task.csv("IdLookupTable.csv")
    lookup_columns = ["RowId", "ImageId", "FeatureName"]
    assert lookup_header == lookup_columns, "the lookup table must not hold Location"
    expected, row_id = [], 0
    for image in test:
        for k, name in enumerate(KEYPOINTS):
            row_id += 1
            value = by_image[image["Image"]][k]
            if value:
                expected.append((str(row_id), image["ImageId"], name, value))
    assert [(r["RowId"], r["ImageId"], r["FeatureName"]) for r in lookup] == [
        e[:3] for e in expected
    ]
    assert [(a["RowId"], a["Location"]) for a in task.answers] == [(e[0], e[3]) for e in expected]
    assert len(expected) < 30 * len(test), "the miniature must have missing keypoints"
    assert all(r["Location"] == "0" for r in task.sample(["RowId", "Location"]))
