"""multi-modal-gesture-recognition: training4's samples are the test side; their sequences
from training.csv are the answers, and their _data.mat keeps the skeleton but loses the
Labels."""

import io

import numpy
from scipy.io import loadmat, savemat

COMPETITION = "multi-modal-gesture-recognition"

MEDIA = ["audio.wav", "color.mp4", "depth.mp4", "user.mp4"]


def data_mat(n):
    """A MAT 5 file with the page's Video struct: frames with a skeleton, and the labels."""
    frame = numpy.zeros((1, 2), dtype=[("Skeleton", object)])
    for i in range(2):
        frame[0, i]["Skeleton"] = numpy.full((20, 3), float(n + i))
    labels = numpy.zeros((1, 2), dtype=[("Name", object), ("Begin", object), ("End", object)])
    for i, name in enumerate(["vattene", "ok"]):
        labels[0, i] = (name, numpy.array([[10 * i + 1]]), numpy.array([[10 * i + 9]]))
    video = numpy.zeros((1, 1), dtype=[("NumFrames", object), ("FrameRate", object),
                                       ("Frames", object), ("MaxDepth", object), ("Labels", object)])
    video[0, 0] = (numpy.array([[2]]), numpy.array([[20]]), frame, numpy.array([[4000]]), labels)
    out = io.BytesIO()
    savemat(out, {"Video": video})
    return out.getvalue()


def build(raw):
    rows = []
    for n in range(1, 13):
        part = f"training{1 + (n - 1) // 3}"
        sample = f"Sample{n:05d}"
        # training1 opened in a folder of its own name, the others at the top of theirs.
        base = f"{part}/{part}/{sample}" if part == "training1" else f"{part}/{sample}"
        for kind in MEDIA:
            raw.media(f"{base}/{sample}_{kind}")
        raw.bytes(f"{base}/{sample}_data.mat", data_mat(n))
        rows.append([f"{n:04d}", " ".join(str(1 + (n * k) % 20) for k in range(1, 2 + n % 4))])
    raw.media("validation1/Sample00410/Sample00410_color.mp4")
    raw.csv("training.csv", ["Id", "Sequence"], rows)
    raw.csv("test.csv", ["Id"], [["0410"]])
    raw.csv("randomPredictions.csv", ["Id", "Sequence"], [["0410", "3 1 2"]])
    raw.media("sample_code_mmrgc/main.m")
    return rows


def test_training4_is_the_test_side_without_its_labels(raw, split):
    rows = build(raw)
    task = split(COMPETITION)
    assert task.answer_ids() == ["0010", "0011", "0012"]
    assert [a["Sequence"] for a in task.answers] == [r[1] for r in rows[9:]]
    _, train = task.csv("training.csv")
    assert [r["Id"] for r in train] == [r[0] for r in rows[:9]]
    _, test = task.csv("test.csv")
    assert [r["Id"] for r in test] == ["0010", "0011", "0012"]
    assert task.files("test") == ["Sample00010", "Sample00011", "Sample00012"]
    assert task.copied("test/Sample00010/Sample00010_color.mp4", "training4/Sample00010/Sample00010_color.mp4")
    assert task.copied("train/training1/training1/Sample00001/Sample00001_data.mat",
                       "training1/training1/Sample00001/Sample00001_data.mat")
    assert task.files("validation/validation1/Sample00410") == ["Sample00410_color.mp4"]
    assert task.files("sample_code_mmrgc") == ["main.m"]
    held = loadmat(task.public / "test/Sample00011/Sample00011_data.mat", struct_as_record=True)
    video = held["Video"][0, 0]
    assert video["Labels"].size == 0
    assert numpy.array_equal(video["Frames"][0, 1]["Skeleton"], numpy.full((20, 3), 12.0))
    assert int(video["NumFrames"][0, 0]) == 2
    kept = loadmat(task.public / "train/training2/Sample00004/Sample00004_data.mat")
    assert kept["Video"][0, 0]["Labels"].size == 2
    assert {r["Sequence"] for r in task.sample(["Id", "Sequence"])} == {" ".join(map(str, range(1, 21)))}
