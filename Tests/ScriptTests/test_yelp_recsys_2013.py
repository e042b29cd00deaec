"""yelp-recsys-2013: reviews are JSON lines; as many as Kaggle's test set has are held out, lose
their stars and get a RecommendationId 1..n."""

import json

COMPETITION = "yelp-recsys-2013"
TRAIN = "yelp_training_set"
TEST = "yelp_test_set"
SIDE = ["business", "user", "checkin"]


def review(n: int, with_stars: bool = True) -> dict:
    r = {
        "votes": {"funny": n % 2, "useful": n % 5, "cool": 0},
        "user_id": f"u{n % 9:021d}",
        "review_id": f"r{n:021d}",
        "date": f"2011-0{1 + n % 9}-1{n % 10}",
        "text": f'Great place, "really" #{n}\nwould return',
        "type": "review",
        "business_id": f"b{n % 7:021d}",
    }
    if with_stars:
        r["stars"] = 1 + n * 3 % 5
    return r


def build(raw):
    """40 training reviews (a blank line among them) and Kaggle's 12 test reviews."""
    lines = [json.dumps(review(n)) for n in range(40)]
    raw.text(f"{TRAIN}/{TRAIN}_review.json", "\n".join(lines[:20] + [""] + lines[20:]) + "\n")
    raw.json_lines(
        f"{TEST}/{TEST}_review.json", [review(100 + n, with_stars=False) for n in range(12)]
    )
    for side in SIDE:
        raw.json_lines(
            f"{TRAIN}/{TRAIN}_{side}.json", [{"type": side, "id": f"{side}{k}"} for k in range(3)]
        )
        raw.json_lines(f"{TEST}/{TEST}_{side}.json", [{"type": side, "id": f"t{side}"}])
    return lines


def test_holds_out_as_many_reviews_as_kaggles_test_set(raw, split):
    source = build(raw)
    task = split(COMPETITION)

    train = (task.public / TRAIN / f"{TRAIN}_review.json").read_text(encoding="utf-8").splitlines()
    test_lines = (task.public / TEST / f"{TEST}_review.json").read_text(encoding="utf-8")
    test = [json.loads(line) for line in test_lines.splitlines()]
    assert len(test) == 12 and len(train) + len(test) == len(source)
    by_review = {json.loads(line)["review_id"]: json.loads(line) for line in source}
    test_reviews = [r["review_id"] for r in test]
    assert train == [line for line in source if json.loads(line)["review_id"] not in test_reviews]
    assert [r["RecommendationId"] for r in test] == list(range(1, 13))
    for public_review in test:
        assert "stars" not in public_review, "a test review must not carry its stars"
        original = dict(
            by_review[public_review["review_id"]],
            RecommendationId=public_review["RecommendationId"],
        )
        del original["stars"]
        assert public_review == original
    # Archive order on the test side too.
    order = [list(by_review).index(i) for i in test_reviews]
    assert order == sorted(order)
    assert [(a["RecommendationId"], a["Stars"]) for a in task.answers] == [
        (str(k), str(by_review[i]["stars"])) for k, i in enumerate(test_reviews, start=1)
    ]
    for side in SIDE:
        assert task.copied(f"{TRAIN}/{TRAIN}_{side}.json")
    assert all(r["Stars"] == "3.5" for r in task.sample(["RecommendationId", "Stars"]))
