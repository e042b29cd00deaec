"""draper-satellite-image-chronology: 44% of the sets held out, each renamed in a seeded order;
the answer lists each shown image's true day."""

COMPETITION = "draper-satellite-image-chronology"


def build(raw):
    for s in range(1, 11):
        for day in range(1, 6):
            raw.media(f"train/set{s}_{day}.tif")
            raw.media(f"train_sm/set{s}_{day}.jpeg")
    for k in range(1, 6):
        raw.media(f"test/set300_{k}.tif")
    raw.csv("sample_submission.csv", ["setId", "day"], [["300", "1 2 3 4 5"]])


def test_holds_out_sets_renamed_so_the_names_hide_the_days(raw, split):
    build(raw)
    task = split(COMPETITION)
    assert len(task.answers) == 4
    for answer in task.answers:
        s = answer["setId"]
        days = answer["day"].split()
        assert sorted(days) == ["1", "2", "3", "4", "5"]
        for k, day in enumerate(days, start=1):
            assert task.copied(f"test/set{s}_{k}.tif", f"train/set{s}_{day}.tif")
            assert task.copied(f"test_sm/set{s}_{k}.jpeg", f"train_sm/set{s}_{day}.jpeg")
    assert any(a["day"] != "1 2 3 4 5" for a in task.answers)
    assert len(task.files("train")) == 30 and len(task.files("test")) == 20
    assert "set300_1.tif" not in task.files("test")
