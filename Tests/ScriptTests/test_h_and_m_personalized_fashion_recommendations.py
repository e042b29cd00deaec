"""h-and-m-personalized-fashion-recommendations: the transactions of the last seven days are
held out; each customer who bought then is a test row, the articles bought the answer."""

import datetime

COMPETITION = "h-and-m-personalized-fashion-recommendations"
HEADER = ["t_dat", "customer_id", "article_id", "price", "sales_channel_id"]
LATEST = datetime.date(2020, 9, 22)
CUT = "2020-09-15"  # the latest date minus seven days: this day and later are held out


def build(raw):
    """30 days of transactions by 12 customers over 20 articles, with images and side tables."""
    customers = [f"{n:02x}" * 32 for n in range(1, 13)]
    articles = [f"0{663713001 + n * 1000}" for n in range(20)]
    rows = []
    for day in range(30):
        date = (LATEST - datetime.timedelta(days=29 - day)).isoformat()
        for k in range(1 + day % 3):
            n = day * 3 + k
            rows.append(
                [
                    date,
                    customers[(n * 5) % 12],
                    articles[(n * 7) % 20],
                    f"0.0{n % 90 + 10}",
                    1 + n % 2,
                ]
            )
    raw.csv("transactions_train.csv", HEADER, rows)
    raw.csv(
        "articles.csv",
        ["article_id", "product_code", "prod_name"],
        [[a, a[:7], f"Shirt {n}"] for n, a in enumerate(articles)],
    )
    raw.csv(
        "customers.csv",
        ["customer_id", "FN", "Active", "age"],
        [[c, "", "", 20 + n] for n, c in enumerate(customers)],
    )
    raw.csv("sample_submission.csv", ["customer_id", "prediction"], [[customers[0], articles[0]]])
    for a in articles[:15]:
        raw.media(f"images/{a[:3]}/{a}.jpg")
    return [[str(v) for v in r] for r in rows]


def test_holds_out_the_last_week_and_answers_each_buyers_articles(raw, split):
    source = build(raw)
    task = split(COMPETITION)

    header, train = task.csv("transactions_train.csv")
    assert header == HEADER
    assert [list(r.values()) for r in train] == [r for r in source if r[0] < CUT]
    held = [r for r in source if r[0] >= CUT]
    assert held and len(train) + len(held) == len(source)
    # One answer per customer who bought in the last week, in order of first purchase there,
    # listing what they bought then in archive order.
    expected = {}
    for date, customer, article, *_ in held:
        expected.setdefault(customer, []).append(article)
    assert [(a["customer_id"], a["prediction"]) for a in task.answers] == [
        (c, " ".join(a)) for c, a in expected.items()
    ]
    # The sample predicts the twelve best sellers before the cut.
    counts = {}
    for r in train:
        counts[r["article_id"]] = counts.get(r["article_id"], 0) + 1
    top = sorted(counts, key=lambda a: (-counts[a], a))[:12]
    assert all(r["prediction"] == " ".join(top) for r in task.sample(["customer_id", "prediction"]))
    for name in ("articles.csv", "customers.csv"):
        assert task.copied(name)
    images = sorted(
        p.relative_to(raw.root).as_posix() for p in (raw.root / "images").rglob("*.jpg")
    )
    assert task.tree("images") == images
    for rel in images:
        assert task.copied(rel)
