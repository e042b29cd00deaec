"""Split for movie-recommendations: hide each test user's latest ratings.

No row split fits a recommendation task: the answer for a user is a *list* (the movies they
rated 4 or more in a later period). Dojo runs this script as `python3 prepare.py RAW OUT`
with RAW read-only; it writes OUT/public/ and OUT/private/answers.csv, and Dojo then
checksums and checks the result like any other split.

Deterministic: users are chosen by a seeded Mersenne Twister (whose sequence Python pins), and
every file is written in a fixed order.
"""

import csv
import os
import random
import sys
from collections import Counter, defaultdict

SEED = 0
TEST_USER_SHARE = 0.2
HIDDEN_SHARE = 0.2  # of each test user's ratings, the latest
MIN_RATINGS = 20
GOOD = 4.0
K = 10


def main(raw: str, out: str) -> None:
    ratings_path = os.path.join(raw, "ratings_train.csv")
    with open(ratings_path, newline="", encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    parsed = list(csv.reader(rows))

    by_user = defaultdict(list)
    for i, (user, movie, rating, stamp) in enumerate(parsed):
        by_user[int(user)].append((int(stamp), int(movie), float(rating), i))

    candidates = sorted(u for u, r in by_user.items() if len(r) >= MIN_RATINGS)
    rng = random.Random(SEED)
    chosen = sorted(rng.sample(candidates, max(1, round(len(candidates) * TEST_USER_SHARE))))

    hidden_rows = set()
    answers = {}
    for user in chosen:
        history = sorted(by_user[user])
        n_hidden = max(1, round(len(history) * HIDDEN_SHARE))
        later = history[-n_hidden:]
        liked = sorted({movie for _, movie, rating, _ in later if rating >= GOOD})
        if not liked:
            continue  # nothing to recommend against: the user stays a train user
        answers[user] = liked
        hidden_rows.update(i for *_, i in later)

    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)

    with open(os.path.join(public, "ratings_train.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(header)
        for i, line in enumerate(rows):
            if i not in hidden_rows:
                f.write(line if line.endswith("\n") else line + "\n")

    popularity = Counter()
    for i, (_, movie, rating, _) in enumerate(parsed):
        if i not in hidden_rows and float(rating) >= GOOD:
            popularity[int(movie)] += 1
    top = [m for m, _ in sorted(popularity.items(), key=lambda kv: (-kv[1], kv[0]))[:K]]

    users = sorted(answers)
    with open(os.path.join(public, "test_users.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("userId\n")
        f.writelines(f"{u}\n" for u in users)
    with open(os.path.join(public, "sample_submission.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("userId,movieIds\n")
        f.writelines(f"{u},{' '.join(map(str, top))}\n" for u in users)
    with open(os.path.join(raw, "movies.csv"), "rb") as src, open(
        os.path.join(public, "movies.csv"), "wb"
    ) as dst:
        dst.write(src.read())
    with open(os.path.join(private, "answers.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("userId,movieIds\n")
        f.writelines(f"{u},{' '.join(map(str, answers[u]))}\n" for u in users)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
