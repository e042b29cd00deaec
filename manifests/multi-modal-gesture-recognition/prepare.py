"""Split for multi-modal-gesture-recognition: training.csv (Id, Sequence) lists the gestures
of every labelled recording; the recordings are one zip per sample (Sample00001.zip: audio,
colour, depth and user videos, and Sample00001_data.mat, whose Video struct holds the skeleton
frames and the Labels), packed in training1..4.tar.gz. Dojo has unpacked both levels, so a
sample is a folder Sample<5 digits>/ somewhere below training<n>/; its Id in training.csv is
the last 4 digits.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-bench does, the
samples of training4 are the test side and training1..3 stay for training. A test sample
keeps its videos and audio; its _data.mat is rewritten with Video.Labels empty, as the
page says the validation and test samples ship (scipy reads and writes the MAT file), and a
_labels.csv, if a sample has one, is left out. The unlabelled validation<n> samples and the
archive's other files are copied as they are.
"""

import csv
import io
import os
import re
import sys

from dojo_split import find, place, write_csv  # Dojo's script library, on the import path in the sandbox

TEST_PART = "training4"
SAMPLE = re.compile(r"Sample(\d{5})")
# The page's vocabulary: 20 Italian gestures numbered 1-20. The sample submission predicts
# them all, in order (valid for every sample, a poor score).
SAMPLE_SEQUENCE = " ".join(str(g) for g in range(1, 21))
# The 116-byte text header of a MAT 5 file; scipy writes the clock into it, which would
# make two runs differ.
MAT_HEADER = b"MATLAB 5.0 MAT-file, written by Dojo's split with Video.Labels emptied".ljust(116)
REWRITTEN = {"training.csv", "test.csv", "randomPredictions.csv", "sample_submission.csv"}


def files_below(folder):
    found = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            found.append(os.path.relpath(os.path.join(root, name), folder))
    return found


def samples_below(folder):
    """{Id: sample folder} of every Sample<5 digits>/ folder below `folder`."""
    found = {}
    for root, dirs, _ in os.walk(folder):
        dirs.sort()
        for name in dirs:
            match = SAMPLE.fullmatch(name)
            if match:
                sample = match.group(1)[-4:]
                if sample in found:
                    sys.exit(f"prepare.py: two folders for sample {sample} below {folder}")
                found[sample] = os.path.join(root, name)
    return found


def without_labels(path):
    """The bytes of the MAT file at `path` with Video.Labels replaced by an empty array."""
    try:
        import numpy
        from scipy.io import loadmat, savemat
    except ImportError:
        sys.exit("prepare.py: scipy is needed to empty the test samples' labels; run scripts/install-deps")
    try:
        data = loadmat(path, struct_as_record=True, squeeze_me=False)
    except Exception as e:  # a MAT 7.3 (HDF5) or damaged file
        sys.exit(f"prepare.py: cannot read {path} as a MAT 5 file: {e}")
    video = data.get("Video")
    if video is None or video.dtype.names is None or "Labels" not in video.dtype.names:
        sys.exit(f"prepare.py: {path} has no Video struct with a Labels field")
    for index in numpy.ndindex(video.shape):
        video[index]["Labels"] = numpy.zeros((0, 0))
    kept = {k: v for k, v in data.items() if not k.startswith("__")}
    out = io.BytesIO()
    savemat(out, kept, do_compression=True, oned_as="column")
    return MAT_HEADER + out.getvalue()[116:]


def main(raw: str, out: str) -> None:
    public = os.path.join(out, "public")
    with open(find(raw, "training.csv"), newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not {"Id", "Sequence"} <= set(reader.fieldnames or []):
            sys.exit(f"prepare.py: training.csv has columns {reader.fieldnames}, not Id and Sequence")
        rows = list(reader)
    sequence = {r["Id"]: r["Sequence"] for r in rows}
    parts = sorted(d for d in os.listdir(raw) if re.fullmatch(r"(training|validation)\d+", d)
                   and os.path.isdir(os.path.join(raw, d)))
    if TEST_PART not in parts:
        sys.exit(f"prepare.py: no {TEST_PART}/ folder in the archive (found {parts})")
    test = samples_below(os.path.join(raw, TEST_PART))
    if not test:
        sys.exit(f"prepare.py: {TEST_PART}/ holds no Sample<5 digits>/ folder")
    unlabelled = sorted(s for s in test if not sequence.get(s, "").strip())
    if unlabelled:
        sys.exit(f"prepare.py: training.csv has no Sequence for the {TEST_PART} samples {unlabelled}")
    for part in parts:
        if part == TEST_PART:
            continue
        side = "train" if part.startswith("training") else "validation"
        source = os.path.join(raw, part)
        for rel in files_below(source):
            place(os.path.join(source, rel), os.path.join(public, side, part, rel))
    for sample, folder in sorted(test.items()):
        name = os.path.basename(folder)
        for rel in files_below(folder):
            target = os.path.join(public, "test", name, rel)
            if rel.endswith("_labels.csv"):
                continue
            if rel.endswith("_data.mat"):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(without_labels(os.path.join(folder, rel)))
                continue
            place(os.path.join(folder, rel), target)
    for name in sorted(os.listdir(raw)):
        source = os.path.join(raw, name)
        if name in parts or name in REWRITTEN or name.startswith("."):
            continue
        if os.path.isdir(source):
            for rel in files_below(source):
                place(os.path.join(source, rel), os.path.join(public, name, rel))
        else:
            place(source, os.path.join(public, name))
    ids = sorted(test)
    write_csv(os.path.join(public, "training.csv"), ["Id", "Sequence"],
              [[r["Id"], r["Sequence"]] for r in rows if r["Id"] not in test])
    write_csv(os.path.join(public, "test.csv"), ["Id"], [[i] for i in ids])
    write_csv(os.path.join(out, "private", "answers.csv"), ["Id", "Sequence"],
              [[i, sequence[i]] for i in ids])
    write_csv(os.path.join(public, "sample_submission.csv"), ["Id", "Sequence"],
              [[i, SAMPLE_SEQUENCE] for i in ids])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
