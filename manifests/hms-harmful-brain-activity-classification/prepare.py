"""Split for hms-harmful-brain-activity-classification: 10% of the spectrograms (grouped by spectrogram_id, seed 0) as MLE-bench holds out, with their EEG and spectrogram files; rows are keyed by label_id, since an eeg_id repeats across rows.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/
(train, test, sample submission, extra files) and OUT/private/answers.csv, and Dojo then
checksums and checks the result like any declarative split. Deterministic: rows are chosen
by a seeded Mersenne Twister (whose sequence Python pins) and written in archive order.
"""

import csv
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
from split_files import column, place  # noqa: E402  (shared helpers, next to this manifest folder)
import table_split  # noqa: E402  (the shared engine, found next to this manifest folder)


table_split.run(
    TRAIN='train.csv',
    ID='label_id',
    NEW_ID='label_id',
    TARGETS=['seizure_vote', 'lpd_vote', 'gpd_vote', 'lrda_vote', 'grda_vote', 'other_vote'],
    DROP=['expert_consensus'],
    TEST_FRACTION=0.1,
    SEED=0,
    GROUP='spectrogram_id',
)

# Each side gets its EEG and spectrogram files; the sample submission holds each vote's mean
# share in training, so its rows sum to 1 as the metric requires.
out, raw = sys.argv[2], sys.argv[1]
public = os.path.join(out, "public")
for side in ("train", "test"):
    table = os.path.join(public, side + ".csv")
    for folder, key in (("eegs", "eeg_id"), ("spectrograms", "spectrogram_id")):
        for name in sorted(set(column(table, key))):
            place(
                os.path.join(raw, "train_" + folder, name + ".parquet"),
                os.path.join(public, side + "_" + folder, name + ".parquet"))
votes = ['seizure_vote', 'lpd_vote', 'gpd_vote', 'lrda_vote', 'grda_vote', 'other_vote']
with open(os.path.join(public, "train.csv"), newline="", encoding="utf-8") as f:
    shares, counted = [0.0] * len(votes), 0
    for row in csv.DictReader(f):
        v = [float(row[c]) for c in votes]
        if sum(v) > 0:
            shares = [s + x / sum(v) for s, x in zip(shares, v)]
            counted += 1
prior = [repr(s / max(1, counted)) for s in shares]
ids = column(os.path.join(out, "private", "answers.csv"), "label_id")
sample_path = os.path.join(public, "sample_submission.csv")
with open(sample_path + ".tmp", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["label_id"] + votes)
    w.writerows([i] + prior for i in ids)
os.replace(sample_path + ".tmp", sample_path)
