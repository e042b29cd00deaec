"""vinbigdata-chest-xray-abnormalities-detection: one train.csv row per finding and radiologist;
each held-out image keeps its first box per class, "No finding" as 0 0 1 1."""

COMPETITION = "vinbigdata-chest-xray-abnormalities-detection"

HEADER = ["image_id", "class_name", "class_id", "rad_id", "x_min", "y_min", "x_max", "y_max"]


def build(raw):
    rows = []
    for n in range(20):
        image = f"{n:02d}9c4ecd5a2c5e8a0f7e3b2d1c0b9a8f7"
        raw.media(f"train/{image}.dicom")
        if n % 4 == 0:
            for rad in ("R1", "R2", "R3"):
                rows.append([image, "No finding", "14", rad, "", "", "", ""])
            continue
        # Two radiologists mark the same aortic enlargement; a third marks an opacity.
        rows.append([image, "Aortic enlargement", "0", "R8", "691", "1375", "1653", "1831"])
        rows.append([image, "Aortic enlargement", "0", "R9", "690.5", "1370", "1650", "1830"])
        rows.append([image, "Lung Opacity", "7", "R10", str(100 + n), "200", "300", "420.25"])
    raw.media("test/002a34c58c5b758217ed1f584ccbcfe9.dicom")
    raw.csv("train.csv", HEADER, rows)
    raw.csv("sample_submission.csv", ["image_id", "PredictionString"], [["002a34c58c5b758217ed1f584ccbcfe9", "14 1 0 0 1 1"]])
    return rows


def test_holds_out_a_tenth_with_one_consensus_box_per_finding(raw, split):
    rows = build(raw)
    task = split(COMPETITION)
    answers = {a["image_id"]: a["PredictionString"] for a in task.answers}
    assert len(answers) == 2
    assert sorted(task.files("test")) == sorted(f"{i}.dicom" for i in answers)
    assert len(task.files("train")) == 18
    for image, boxes in answers.items():
        assert task.copied(f"test/{image}.dicom", f"train/{image}.dicom")
        if any(r[0] == image and r[2] == "14" for r in rows):
            assert boxes == "14 1.0 0 0 1 1"
        else:
            n = int(image[:2])
            assert boxes == f"0 1.0 691.0 1375.0 1653.0 1831.0 7 1.0 {100.0 + n} 200.0 300.0 420.25"
    _, train = task.csv("train.csv")
    assert {r["image_id"] for r in train}.isdisjoint(answers)
    assert len(train) == len([r for r in rows if r[0] not in answers])
    assert all(r["PredictionString"] == "14 1 0 0 1 1" for r in task.sample(["image_id", "PredictionString"]))
