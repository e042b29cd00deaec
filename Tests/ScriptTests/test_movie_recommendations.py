"""movie-recommendations: a fifth of the users with 20+ ratings are test users; their latest
fifth of ratings is hidden, and the movies they rated 4 or more then are the answer."""

COMPETITION = "movie-recommendations"
BORED = 9  # drawn as a test user (seed 0) but rates nothing 4 or more: stays a train user


def build(raw):
    """40 users: 30 with 20-29 ratings (one who rates everything badly), 10 with fewer."""
    lines = []
    for user in range(1, 41):
        count = 20 + user % 10 if user <= 30 else 5 + user % 7
        for k in range(count):
            rating = 2.0 if user == BORED else [3.0, 4.0, 4.5, 5.0, 1.5][(user + k) % 5]
            movie, stamp = (user * 13 + k * 7) % 97 + 1, 800000000 + user * 1000 + (k * 37) % count
            lines.append(f"{user},{movie},{rating},{stamp}")
    # Archive order is not time order: users' ratings are interleaved in pairs.
    pairs = [line for pair in zip(lines[::2], lines[1::2]) for line in pair]
    lines = pairs + lines[len(pairs) :]
    raw.text(
        "ratings_train.csv",
        "userId,movieId,rating,timestamp\n" + "".join(line + "\n" for line in lines),
    )
    raw.csv(
        "movies.csv",
        ["movieId", "title", "year", "genres"],
        [[m, f"Movie, {m}", 1990.0 + m % 20, "Comedy|Drama"] for m in range(1, 98)],
    )
    raw.csv("test_users.csv", ["userId"], [[1]])
    raw.csv("sample_submission.csv", ["userId", "movieIds"], [[1, "1 2 3"]])
    return lines


def test_hides_each_test_users_latest_ratings_and_answers_the_liked_movies(raw, split):
    source = build(raw)
    task = split(COMPETITION)

    public = (task.public / "ratings_train.csv").read_text(encoding="utf-8").splitlines()
    assert public[0] == "userId,movieId,rating,timestamp"
    kept = set(public[1:])
    hidden = [line for line in source if line not in kept]
    in_order = public[1:] == [line for line in source if line in kept]
    assert in_order, "public ratings keep archive order"
    users = [int(u) for u in task.answer_ids()]
    # A fifth of the 30 eligible users (6), minus the one who liked nothing late.
    assert users == sorted(users) and len(users) == 5 and BORED not in users
    assert all(line in kept for line in source if line.startswith(f"{BORED},"))
    assert all(u <= 30 for u in users)
    by_user = {}
    for line in source:
        user, movie, rating, stamp = line.split(",")
        by_user.setdefault(int(user), []).append((int(stamp), int(movie), float(rating), line))
    expected_hidden = []
    for user, answer in zip(users, task.answers, strict=True):
        history = sorted(by_user[user])
        later = history[-max(1, round(len(history) * 0.2)) :]
        expected_hidden += [entry[3] for entry in later]
        liked = sorted({movie for _, movie, rating, _ in later if rating >= 4.0})
        assert answer["movieIds"] == " ".join(map(str, liked))
        # What stays public of a test user is older than (or as old as) what is hidden.
        assert max(e[0] for e in history[: len(history) - len(later)]) <= min(e[0] for e in later)
    assert sorted(hidden) == sorted(expected_hidden)
    assert (task.public / "test_users.csv").read_text(encoding="utf-8") == "userId\n" + "".join(
        f"{u}\n" for u in users
    )
    sample = task.sample(["userId", "movieIds"])
    assert len({r["movieIds"] for r in sample}) == 1 and len(sample[0]["movieIds"].split()) == 10
    assert task.copied("movies.csv")
