"""freesound-audio-tagging-2019: 20% of the curated clips held out; their comma-separated
labels become one 0/1 column per class, in the sample submission's order; the noisy set and
the other curated clips stay for training, Kaggle's unlabelled test clips are left out."""

import pytest

COMPETITION = "freesound-audio-tagging-2019"


def build(raw, harness, clips=30):
    classes = harness.manifest_answers(COMPETITION).targets
    rows = []
    for n in range(clips):
        fname = f"{n:04x}ab12.wav"
        names = [classes[n % 80]] + ([classes[(n * 7) % 80]] if n % 3 == 0 else [])
        rows.append([fname, ",".join(dict.fromkeys(names))])
        raw.media(f"train_curated/{fname}")
    raw.csv("train_curated.csv", ["fname", "labels"], rows)
    raw.csv("train_noisy.csv", ["fname", "labels"], [["00097e21.wav", "Bathtub_(filling_or_washing)"]])
    raw.media("train_noisy/00097e21.wav")
    raw.media("test/000ccb97.wav")
    raw.csv("sample_submission.csv", ["fname"] + classes, [["000ccb97.wav"] + [0] * 80])
    return classes, rows


def test_holds_out_curated_clips_with_one_hot_labels(raw, split, harness):
    classes, rows = build(raw, harness)
    task = split(COMPETITION)
    labels = {fname: set(text.split(",")) for fname, text in rows}
    assert len(task.answers) == 6
    for answer in task.answers:
        fname = answer["fname"]
        assert {c for c in classes if answer[c] == "1"} == labels[fname]
        assert {answer[c] for c in classes} <= {"0", "1"}
        assert task.copied(f"test/{fname}", f"train_curated/{fname}")
    assert task.files("test") == sorted(task.answer_ids())
    _, train = task.csv("train_curated.csv")
    assert sorted(r["fname"] for r in train) == task.files("train_curated")
    assert len(train) == 24 and {r["fname"] for r in train}.isdisjoint(task.answer_ids())
    assert ",".join(sorted(labels[train[0]["fname"]])) == ",".join(sorted(train[0]["labels"].split(",")))
    assert task.copied("train_noisy/00097e21.wav") and task.copied("train_noisy.csv")
    assert "000ccb97.wav" not in task.files("test")
    assert all(r[c] == "0" for r in task.sample(["fname"] + classes) for c in classes)


def test_refuses_a_label_outside_the_sample_submissions_classes(raw, tmp_path, harness):
    _, rows = build(raw, harness)
    rows[3][1] = "Bark,Kazoo"
    raw.csv("train_curated.csv", ["fname", "labels"], rows)
    with pytest.raises(AssertionError, match="line 5: labels 'Bark,Kazoo'"):
        harness.run_script(COMPETITION, raw.root, tmp_path / "out", hash_seed="1")
