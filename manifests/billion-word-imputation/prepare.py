"""Split for billion-word-imputation: the data is one sentence per line (train_v2.txt), so
the split is written here.

As MLE-bench does: each sentence of more than two words goes to the test side with
probability 0.01 (seed 0), with one word removed at random, never the first or the last; the
answers hold the full sentence, the public test file the sentence without the word, and the
sample submission that same shortened sentence. Dojo runs this as `python3 prepare.py RAW OUT`
with RAW read-only; deterministic (a seeded Mersenne Twister, whose sequence Python pins).
"""

import csv
import os
import random
import sys

from dojo_split import find  # Dojo\'s script library, on the import path in the sandbox


def main(raw, out):
    rng = random.Random(0)
    public, private = os.path.join(out, "public"), os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    with open(find(raw, "train_v2.txt"), encoding="utf-8") as source, open(
        os.path.join(public, "train_v2.txt"), "w", encoding="utf-8"
    ) as train, open(os.path.join(public, "test_v2.txt"), "w", newline="", encoding="utf-8") as ft, open(
        os.path.join(public, "sample_submission.csv"), "w", newline="", encoding="utf-8"
    ) as fs, open(os.path.join(private, "answers.csv"), "w", newline="", encoding="utf-8") as fa:
        test, sample, answers = (csv.writer(f, lineterminator="\n") for f in (ft, fs, fa))
        for w in (test, sample, answers):
            w.writerow(["id", "sentence"])
        number = 0
        for line in source:
            words = line.split()
            if rng.random() <= 0.01 and len(words) > 2:
                gap = rng.randint(1, len(words) - 2)
                shortened = " ".join(words[:gap] + words[gap + 1 :])
                test.writerow([number, shortened])
                sample.writerow([number, shortened])
                answers.writerow([number, line.strip()])
                number += 1
            else:
                train.write(line if line.endswith("\n") else line + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
