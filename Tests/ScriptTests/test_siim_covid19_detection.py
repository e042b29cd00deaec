"""siim-covid19-detection: 10% of the studies held out with their images; the answers hold a
row per held-out study (its class) and per held-out image (its boxes)."""

COMPETITION = "siim-covid19-detection"

STUDY = ["id", "Negative for Pneumonia", "Typical Appearance", "Indeterminate Appearance", "Atypical Appearance"]


def build(raw):
    studies, images = [], []
    for n in range(20):
        uid = f"{n:02d}086460a852"
        onehot = [0, 0, 0, 0]
        onehot[n % 4] = 1
        studies.append([f"{uid}_study"] + onehot)
        for k in range(1 + n % 2):
            image = f"{n:02d}{k}a312787f2"
            raw.media(f"train/{uid}/series{k}/{image}.dcm")
            label = "none 1 0 0 1 1" if n % 4 == 0 else f"opacity 1 {10 + n} 20 {300 + k} 400.5"
            images.append([f"{image}_image", "" if n % 4 == 0 else "[{'x': 10}]", label, uid])
    raw.csv("train_study_level.csv", STUDY, studies)
    raw.csv("train_image_level.csv", ["id", "boxes", "label", "StudyInstanceUID"], images)
    raw.media("test/ff0879eb20ed/x/y.dcm")
    raw.csv("sample_submission.csv", ["id", "PredictionString"], [["ff0879eb20ed_study", "negative 1 0 0 1 1"]])
    return studies, images


def test_holds_out_a_tenth_of_the_studies_with_their_images(raw, split):
    studies, images = build(raw)
    task = split(COMPETITION)
    answers = {a["id"]: a["PredictionString"] for a in task.answers}
    held = [s for s in studies if s[0] in answers]
    assert len(held) == 2
    names = ["negative", "typical", "indeterminate", "atypical"]
    for s in held:
        assert answers[s[0]] == f"{names[s[1:].index(1)]} 1 0 0 1 1"
        uid = s[0].removesuffix("_study")
        mine = [i for i in images if i[3] == uid]
        for i in mine:
            assert answers[i[0]] == i[2]
        assert len(task.tree(f"test/{uid}")) == len(mine)
    assert len(answers) == 2 + sum(1 for i in images if i[3] + "_study" in answers)
    _, train_studies = task.csv("train_study_level.csv")
    assert len(train_studies) == 18 and not {r["id"] for r in train_studies} & set(answers)
    _, train_images = task.csv("train_image_level.csv")
    assert not {r["id"] for r in train_images} & set(answers)
    sample = task.sample(["id", "PredictionString"])
    assert all(r["PredictionString"] == ("negative 1 0 0 1 1" if r["id"].endswith("_study") else "none 1 0 0 1 1") for r in sample)
