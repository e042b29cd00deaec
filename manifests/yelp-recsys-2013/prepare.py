"""Split for yelp-recsys-2013: the reviews are JSON lines, not a table.

As many training reviews as Kaggle's test set has (yelp_test_set_review.json) are held out,
drawn with seed 42, as MLE-Dojo does: they lose their stars and get a RecommendationId
(1..n, in archive order), and (RecommendationId, Stars) become the answers. The business,
user and check-in files of the training set ship unchanged. Dojo runs this as
`python3 prepare.py RAW OUT` with RAW read-only; it writes OUT/public/ and
OUT/private/answers.csv, and Dojo then checksums and checks the result like any declarative
split. Deterministic: a seeded Mersenne Twister (whose sequence Python pins) picks the
reviews.
"""

import csv
import json
import os
import random
import shutil
import sys

from dojo_split import find  # Dojo\'s script library, on the import path in the sandbox

SEED = 42
SIDE_FILES = ["yelp_training_set_business.json", "yelp_training_set_user.json", "yelp_training_set_checkin.json"]


def main(raw: str, out: str) -> None:
    with open(find(raw, "yelp_training_set_review.json"), encoding="utf-8") as f:
        reviews = [line for line in f.read().splitlines() if line.strip()]
    with open(find(raw, "yelp_test_set_review.json"), encoding="utf-8") as f:
        held_count = sum(1 for line in f if line.strip())
    held = set(random.Random(SEED).sample(range(len(reviews)), min(held_count, len(reviews))))
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(os.path.join(public, "yelp_training_set"), exist_ok=True)
    os.makedirs(os.path.join(public, "yelp_test_set"), exist_ok=True)
    os.makedirs(private, exist_ok=True)
    answers = []
    with open(os.path.join(public, "yelp_training_set", "yelp_training_set_review.json"), "w", encoding="utf-8") as ftr, open(
        os.path.join(public, "yelp_test_set", "yelp_test_set_review.json"), "w", encoding="utf-8"
    ) as fte:
        for i, line in enumerate(reviews):
            if i not in held:
                ftr.write(line + "\n")
                continue
            review = json.loads(line)
            stars = review.pop("stars")
            review["RecommendationId"] = len(answers) + 1
            fte.write(json.dumps(review, sort_keys=True) + "\n")
            answers.append([len(answers) + 1, stars])
    for name in SIDE_FILES:
        shutil.copyfile(find(raw, name), os.path.join(public, "yelp_training_set", name))
    for name, folder, rows in (
        ("answers.csv", private, answers),
        ("sample_submission.csv", public, [[a[0], 3.5] for a in answers]),
    ):
        with open(os.path.join(folder, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["RecommendationId", "Stars"])
            w.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
