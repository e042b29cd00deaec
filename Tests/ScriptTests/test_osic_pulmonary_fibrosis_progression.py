"""osic-pulmonary-fibrosis-progression: 10% of the patients (rounded up) are held out with their
scans; the public test shows each one's first visit (FVC as Base_FVC) and the answers are their
three latest visits."""

COMPETITION = "osic-pulmonary-fibrosis-progression"
HEADER = ["Patient", "Weeks", "FVC", "Percent", "Age", "Sex", "SmokingStatus"]


def build(raw):
    """19 patients with 4-9 visits (one week measured twice), each with a scan folder."""
    rows = []
    for p in range(19):
        patient = f"ID00{p:03d}637202179{p:05d}"
        weeks = [-4 + p % 3 + 6 * k for k in range(4 + p % 6)]
        if p % 4 == 0:
            weeks.insert(2, weeks[2])  # the same week twice: the later row counts
        for n, week in enumerate(weeks):
            rows.append(
                [
                    patient,
                    str(week),
                    str(2000 + p * 37 + n * 11),
                    f"{60 + n}.5",
                    str(60 + p),
                    "Male",
                    "Ex-smoker",
                ]
            )
        for slice_ in range(1, 3):
            raw.media(f"train/{patient}/{slice_}.dcm")
    raw.csv("train.csv", HEADER, rows)
    raw.csv("test.csv", HEADER, [rows[0]])
    raw.csv(
        "sample_submission.csv",
        ["Patient_Week", "FVC", "Confidence"],
        [[f"{rows[0][0]}_-12", 2000, 100]],
    )
    raw.media(f"test/{rows[0][0]}/1.dcm")
    return rows


def test_holds_out_patients_and_answers_their_three_latest_visits(raw, split):
    source = build(raw)
    task = split(COMPETITION)

    header, train = task.csv("train.csv")
    test_header, test = task.csv("test.csv")
    assert header == HEADER
    assert test_header == ["Patient", "Weeks", "Base_FVC", "Percent", "Age", "Sex", "SmokingStatus"]
    assert "FVC" not in test_header
    patients = sorted({r[0] for r in source})
    held = sorted(r["Patient"] for r in test)
    assert len(held) == 2  # ceil(19 * 0.1)
    assert not set(held) & {r["Patient"] for r in train}
    assert [list(r.values()) for r in train] == [r for r in source if r[0] not in held]
    expected = []
    for patient in held:
        visits = {}
        for r in source:
            if r[0] == patient:
                visits[int(r[1])] = r
        first = [list(r.values()) for r in test if r["Patient"] == patient]
        assert first == [visits[min(visits)]]
        expected += [(f"{patient}_{w}", visits[w][2]) for w in sorted(visits)[-3:]]
    assert [(a["Patient_Week"], a["FVC"]) for a in task.answers] == expected
    weeks = [(r[0], r[1]) for r in source if r[0] in held]
    assert len(weeks) > len(set(weeks)), "the miniature should hold out a week measured twice"
    sample = task.sample(["Patient_Week", "FVC", "Confidence"])
    assert all(float(r["FVC"]) > 0 and float(r["Confidence"]) > 0 for r in sample)
    # Scans follow their patient.
    assert task.files("test") == held
    assert task.files("train") == [p for p in patients if p not in held]
    for side, folder in (("test", held), ("train", task.files("train"))):
        for patient in folder:
            for scan in ("1.dcm", "2.dcm"):
                assert task.copied(f"{side}/{patient}/{scan}", f"train/{patient}/{scan}")
