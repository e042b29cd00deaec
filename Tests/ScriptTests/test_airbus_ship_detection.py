"""airbus-ship-detection: Kaggle's test share of the images held out; each answer joins an
image's ships with ";"."""

COMPETITION = "airbus-ship-detection"


def build(raw):
    rows = []
    for n in range(60):
        image = f"{n:05x}1b9c.jpg"
        raw.media(f"train_v2/{image}")
        if n % 3 == 0:
            rows.append([image, ""])
        for k in range(n % 3):
            rows.append([image, f"{1 + 3000 * n + 800 * k} 12"])
    raw.csv("train_ship_segmentations_v2.csv", ["ImageId", "EncodedPixels"], rows)
    raw.media("test_v2/00002bd58.jpg")
    raw.csv("sample_submission_v2.csv", ["ImageId", "EncodedPixels"], [["00002bd58.jpg", ""]])
    return rows


def test_holds_out_images_with_their_ships_joined(raw, split):
    rows = build(raw)
    task = split(COMPETITION)
    assert len(task.answers) == 4
    for answer in task.answers:
        image = answer["ImageId"]
        ships = [r[1] for r in rows if r[0] == image and r[1]]
        assert answer["EncodedPixels"] == ";".join(ships)
        assert task.copied(f"test_v2/{image}", f"train_v2/{image}")
    _, train = task.csv("train_ship_segmentations_v2.csv")
    held = set(task.answer_ids())
    assert len(train) == sum(1 for r in rows if r[0] not in held)
    assert {r["ImageId"] for r in train}.isdisjoint(held)
    assert all(r["EncodedPixels"] == "" for r in task.sample(["ImageId", "EncodedPixels"]))
