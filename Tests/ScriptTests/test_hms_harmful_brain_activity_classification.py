"""hms-harmful-brain-activity-classification: 10% of train.csv's rows, whole spectrograms at a
time (grouped by spectrogram_id, seed 0), become the test side; each side gets the EEG and
spectrogram parquet files its rows name, rows are keyed by label_id (an eeg_id repeats), the
public test table drops the votes and expert_consensus, and the sample submission holds each
vote's mean share in training.

The script only places the parquet files (it never reads them), so the miniature's parquet
files are a few bytes naming themselves; pyarrow is not needed."""

import math

COMPETITION = "hms-harmful-brain-activity-classification"
VOTES = ["seizure_vote", "lpd_vote", "gpd_vote", "lrda_vote", "grda_vote", "other_vote"]
CONSENSUS = ["Seizure", "LPD", "GPD", "LRDA", "GRDA", "Other"]
HEADER = [
    "eeg_id",
    "eeg_sub_id",
    "eeg_label_offset_seconds",
    "spectrogram_id",
    "spectrogram_sub_id",
    "spectrogram_label_offset_seconds",
    "label_id",
    "patient_id",
    "expert_consensus",
] + VOTES


def build(raw):
    """Ten spectrograms, each with one to three EEGs, each EEG with one to three labelled
    windows: 37 rows, an eeg_id repeating across rows as in the real train.csv."""
    rows, label = [], 0
    for s in range(10):
        spectrogram = str(353733 + s * 7919)
        raw.media(f"train_spectrograms/{spectrogram}.parquet")
        window = 0
        for e in range(1 + s % 3):
            eeg = str(568657 + s * 1009 + e * 31)
            raw.media(f"train_eegs/{eeg}.parquet")
            for sub in range(1 + (s + e) % 3):
                votes = [(s * 3 + e * 5 + sub + k) % 4 for k in range(6)]
                consensus = CONSENSUS[max(range(6), key=lambda k: (votes[k], -k))]
                rows.append(
                    [eeg, sub, f"{sub * 6}.0", spectrogram, window, f"{window * 2}.0",
                     str(127492639 + label * 104729), str(42516 + s // 2), consensus]
                    + votes
                )
                window += 1
                label += 1
    raw.csv("train.csv", HEADER, rows)
    # The archive's own test (one unlabelled spectrogram) and the rest of its layout: the
    # script ignores them.
    raw.csv(
        "test.csv", ["spectrogram_id", "eeg_id", "patient_id"], [["853520", "3911565283", "6885"]]
    )
    raw.media("test_spectrograms/853520.parquet")
    raw.media("test_eegs/3911565283.parquet")
    raw.csv("sample_submission.csv", ["eeg_id"] + VOTES, [["3911565283"] + [1 / 6] * 6])
    raw.media("example_figures/127492639.png")
    return rows


def test_holds_out_whole_spectrograms_with_their_eeg_and_spectrogram_files(raw, split):
    rows = build(raw)
    assert len(rows) == 37
    task = split(COMPETITION)
    label = HEADER.index("label_id")

    # Train is the archive's rows verbatim; the test table lacks the votes and the consensus.
    header, train = task.csv("train.csv")
    assert header == HEADER
    test_header, test = task.csv("test.csv")
    assert test_header == [c for c in HEADER if c not in VOTES + ["expert_consensus"]]
    assert len(train) + len(test) == len(rows)
    assert len(task.answers) == len(test)
    by_label = {r[label]: r for r in rows}
    for r in train:
        assert [r[c] for c in HEADER] == [str(v) for v in by_label[r["label_id"]]]
    for r in test:
        assert [r[c] for c in test_header] == [
            str(by_label[r["label_id"]][HEADER.index(c)]) for c in test_header
        ]
    # Archive order on both sides.
    order = [r[label] for r in rows]
    for table in (train, test):
        ids = [r["label_id"] for r in table]
        assert ids == [i for i in order if i in set(ids)]

    # The answers are the test rows' votes, keyed by label_id, none of them in train.
    test_ids = [r["label_id"] for r in test]
    assert task.answer_ids() == test_ids
    assert not set(test_ids) & {r["label_id"] for r in train}
    for a in task.answers:
        source = by_label[a["label_id"]]
        assert [a[v] for v in VOTES] == [str(source[HEADER.index(v)]) for v in VOTES]

    # 10% of the rows, whole spectrograms at a time (the last group may overshoot).
    assert len(test) >= round(len(rows) * 0.1)
    train_spectrograms = {r["spectrogram_id"] for r in train}
    test_spectrograms = {r["spectrogram_id"] for r in test}
    assert test_spectrograms and not train_spectrograms & test_spectrograms
    train_eegs, test_eegs = {r["eeg_id"] for r in train}, {r["eeg_id"] for r in test}
    assert not train_eegs & test_eegs

    # Each side holds exactly the parquet files its rows name, with the archive's bytes.
    for side, eegs, spectrograms in (
        ("train", train_eegs, train_spectrograms),
        ("test", test_eegs, test_spectrograms),
    ):
        assert task.files(f"{side}_eegs") == sorted(f"{i}.parquet" for i in eegs)
        assert task.files(f"{side}_spectrograms") == sorted(f"{i}.parquet" for i in spectrograms)
        for i in eegs:
            assert task.copied(f"{side}_eegs/{i}.parquet", f"train_eegs/{i}.parquet")
        for i in spectrograms:
            source = f"train_spectrograms/{i}.parquet"
            assert task.copied(f"{side}_spectrograms/{i}.parquet", source)
    assert sorted(p.name for p in task.public.iterdir()) == [
        "sample_submission.csv",
        "test.csv",
        "test_eegs",
        "test_spectrograms",
        "train.csv",
        "train_eegs",
        "train_spectrograms",
    ]

    # The sample submission: each vote's mean share over the training rows, summing to 1.
    shares = [0.0] * 6
    for r in train:
        v = [float(r[c]) for c in VOTES]
        shares = [s + x / sum(v) for s, x in zip(shares, v)]
    prior = [s / len(train) for s in shares]
    for r in task.sample(["label_id"] + VOTES):
        values = [float(r[c]) for c in VOTES]
        assert values == prior
        assert math.isclose(sum(values), 1.0)
