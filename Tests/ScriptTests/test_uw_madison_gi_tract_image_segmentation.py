"""uw-madison-gi-tract-image-segmentation: whole cases and the days after a case's fourth held
out; each answer row is one slice and organ, with its size, volume and slice number."""

COMPETITION = "uw-madison-gi-tract-image-segmentation"
ORGANS = ["large_bowel", "small_bowel", "stomach"]


def build(raw):
    rows = []
    for c in range(1, 11):
        width, height = (6, 4) if c % 2 == 0 else (5, 5)
        for day in ([1, 2, 3, 4, 5, 6] if c == 3 else [1, 2]):
            for s in range(1, 4):
                raw.media(f"train/case{c}/case{c}_day{day}/scans/slice_{s:04d}_{width}_{height}_1.50_1.50.png")
                for k, organ in enumerate(ORGANS):
                    rows.append([f"case{c}_day{day}_slice_{s:04d}", organ, "" if (s + k) % 3 == 0 else f"{1 + k} 2"])
    raw.csv("train.csv", ["id", "class", "segmentation"], rows)
    raw.csv("sample_submission.csv", ["id", "class", "predicted"], [])
    return rows


def test_holds_out_whole_cases_and_late_days_keyed_by_id_and_class(raw, split):
    rows = build(raw)
    task = split(COMPETITION)
    ids = task.answer_ids()
    # case10 whole (the seed's pick) and case3's days 5 and 6.
    assert len(ids) == 36
    assert {i.split("_slice_")[0] for i in ids} == {"case10_day1", "case10_day2", "case3_day5", "case3_day6"}
    truth = {f"{r[0]}_{r[1]}": r[2] for r in rows}
    for a in task.answers:
        assert a["predicted"] == truth[a["row_id"]]
        assert a["volume"] == a["row_id"].split("_slice_")[0]
        assert a["slice"] == str(int(a["row_id"].split("_slice_")[1][:4]))
        assert (a["image_height"], a["image_width"]) == (("4", "6") if a["row_id"].startswith("case10_") else ("5", "5"))
    assert task.copied("test/case3/case3_day6/scans/slice_0002_5_5_1.50_1.50.png",
                       "train/case3/case3_day6/scans/slice_0002_5_5_1.50_1.50.png")
    _, train = task.csv("train.csv")
    assert len(train) == len(rows) - 36
    _, test = task.csv("test.csv")
    assert [r["row_id"] for r in test] == ids and all(r["row_id"] == f"{r['id']}_{r['class']}" for r in test)
