"""the-icml-2013-whale-challenge-right-whale-redux: the label is each clip name's suffix; the
clips of the first two recording dates train, those of the next two are the test side, renamed
so the label is gone."""

import re

COMPETITION = "the-icml-2013-whale-challenge-right-whale-redux"
DATES = ["20090328", "20090329", "20090330", "20090331", "20090401"]


def build(raw):
    """Five recording dates of 4-7 clips, named as Kaggle names them:
    <date>_<time>_<offset>_TRAIN<n>_<label>.aif."""
    clips, n = [], 0
    for d, date in enumerate(DATES):
        for k in range(4 + (d * 2) % 4):
            name = f"{date}_{k:02d}0000_{k * 7 % 60:03d}s{k}ms_TRAIN{n}_{(n * 3) % 2}.aif"
            raw.media(f"train2/{name}")
            clips.append(name)
            n += 1
    raw.media("test2/20090402_000000_012s0ms_Test0.aif")
    raw.csv(
        "sampleSubmission.csv", ["clip", "probability"], [["20090402_000000_012s0ms_Test0.aif", 0]]
    )
    return clips


def test_splits_by_recording_date_and_renames_the_test_clips(raw, split):
    clips = build(raw)
    task = split(COMPETITION)

    ordered = sorted(clips)
    train_src = [c for c in ordered if c[:8] in DATES[:2]]
    test_src = [c for c in ordered if c[:8] in DATES[2:4]]
    # Train keeps its labels and is renumbered TRAIN0.. in name order.
    assert task.files("train2") == sorted(
        re.sub(r"TRAIN\d+", f"TRAIN{k}", c) for k, c in enumerate(train_src)
    )
    for k, c in enumerate(train_src):
        renamed = re.sub(r"TRAIN\d+", f"TRAIN{k}", c)
        assert task.copied(f"train2/{renamed}", f"train2/{c}")
    # Test clips lose the label: <date>_<time>_<offset>_Test<k>.aif; the fifth date is unused.
    names = [f"{c.split('TRAIN')[0]}Test{k}.aif" for k, c in enumerate(test_src)]
    assert task.files("test2") == sorted(names)
    assert not any(re.search(r"_[01]\.aif$", n) for n in task.files("test2"))
    assert [(a["clip"], a["probability"]) for a in task.answers] == [
        (n, "1" if c.endswith("_1.aif") else "0") for n, c in zip(names, test_src)
    ]
    assert {a["probability"] for a in task.answers} == {"0", "1"}
    for n, c in zip(names, test_src):
        assert task.copied(f"test2/{n}", f"train2/{c}")
    assert len(train_src) + len(test_src) < len(clips), "the miniature has a fifth date, left out"
    assert all(r["probability"] == "0" for r in task.sample(["clip", "probability"]))
