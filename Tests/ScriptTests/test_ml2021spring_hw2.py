"""ml2021spring-hw2: frames and phoneme labels are NumPy arrays; Kaggle's test share of the
frames (test / (train + test)) is held out."""

import numpy as np
import pytest

COMPETITION = "ml2021spring-hw2"
FOLDER = "timit_11/timit_11"


def build(raw, label_dtype):
    """40 frames of 6 features (float32) with their labels; Kaggle's test file has 15 frames."""
    features = np.arange(40 * 6, dtype=np.float32).reshape(40, 6) / 7
    labels = np.array([str(n * 7 % 39) for n in range(40)]).astype(label_dtype)
    for name, array in (
        ("train_11.npy", features),
        ("train_label_11.npy", labels),
        ("test_11.npy", np.zeros((15, 6), dtype=np.float32)),
    ):
        np.save(raw.path(f"{FOLDER}/{name}"), array)
    return features, labels


@pytest.mark.parametrize("label_dtype", ["<U2", "<i8"])
def test_holds_out_kaggles_test_share_of_the_frames(raw, split, label_dtype):
    features, labels = build(raw, label_dtype)
    task = split(COMPETITION)

    train = np.load(task.public / FOLDER / "train_11.npy")
    test = np.load(task.public / FOLDER / "test_11.npy")
    train_labels = np.load(task.public / FOLDER / "train_label_11.npy")
    public = task.files(FOLDER)
    assert public == ["test_11.npy", "train_11.npy", "train_label_11.npy"], "no public test labels"
    assert train.dtype == features.dtype and train_labels.dtype == labels.dtype
    assert len(test) == round(40 * 15 / 55) == 11
    assert len(train) + len(test) == len(features) == len(train_labels) + len(test)
    # Each output row is an input row (features are distinct); rows keep archive order.
    rows = {row.tobytes(): n for n, row in enumerate(features)}
    train_index = [rows[r.tobytes()] for r in train]
    test_index = [rows[r.tobytes()] for r in test]
    assert train_index == sorted(train_index) and test_index == sorted(test_index)
    assert not set(train_index) & set(test_index)
    assert list(train_labels) == [labels[n] for n in train_index]
    assert [(a["Id"], a["ClassId"]) for a in task.answers] == [
        (str(k), str(labels[n])) for k, n in enumerate(test_index)
    ]
    assert all(r["ClassId"] == "0" for r in task.sample(["Id", "ClassId"]))
