"""global-wheat-detection: one train.csv row per wheat head; each held-out image's heads become
one answer row of "1.0 x y w h" boxes."""

COMPETITION = "global-wheat-detection"


def build(raw):
    rows = []
    for n in range(20):
        image = f"img{n:03d}"
        raw.media(f"train/{image}.jpg")
        for k in range(1 + n % 3):
            rows.append([image, 1024, 1024, f"[{10.0 * k}, {20.5 + n}, 56.0, 36.0]", "usask_1"])
    raw.media("test/2fd875eaa.jpg")
    raw.csv("train.csv", ["image_id", "width", "height", "bbox", "source"], rows)
    raw.csv("sample_submission.csv", ["image_id", "PredictionString"], [["2fd875eaa", "1.0 0 0 50 50"]])
    return rows


def test_holds_out_a_fifth_of_the_images_with_their_heads_as_answers(raw, split):
    rows = build(raw)
    task = split(COMPETITION)
    answers = {a["image_id"]: a["PredictionString"] for a in task.answers}
    assert len(answers) == 4
    assert sorted(task.files("test")) == sorted(f"{i}.jpg" for i in answers)
    assert len(task.files("train")) == 16
    for image, boxes in answers.items():
        assert task.copied(f"test/{image}.jpg", f"train/{image}.jpg")
        mine = [r for r in rows if r[0] == image]
        values = boxes.split(" ")
        assert len(values) == 5 * len(mine)
        for k, r in enumerate(mine):
            x, y, w, h = (float(v) for v in r[3].strip("[]").split(","))
            assert [float(v) for v in values[5 * k:5 * k + 5]] == [1.0, x, y, w, h]
    _, train = task.csv("train.csv")
    assert {r["image_id"] for r in train}.isdisjoint(answers)
    assert len(train) == len([r for r in rows if r[0] not in answers])
    assert [r["image_id"] for r in task.csv("test.csv")[1]] == list(answers)
    assert all(r["PredictionString"] == "" for r in task.sample(["image_id", "PredictionString"]))
