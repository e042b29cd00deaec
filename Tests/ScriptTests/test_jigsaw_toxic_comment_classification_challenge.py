"""jigsaw-toxic-comment-classification-challenge: Kaggle's own split, test.csv with the released
test_labels.csv, minus the rows Kaggle did not score (-1 in every label)."""

COMPETITION = "jigsaw-toxic-comment-classification-challenge"
LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


def comment(n: int) -> str:
    """Free text as the real files have it: quotes, commas and line breaks."""
    return f'Comment {n}, "quoted"\nsecond line' if n % 3 == 0 else f"plain comment {n}"


def build(raw):
    raw.csv(
        "train.csv",
        ["id", "comment_text"] + LABELS,
        [[f"{n:016x}", comment(n)] + [(n >> k) & 1 for k in range(6)] for n in range(30)],
    )
    test = [[f"{1000 + n:016x}", comment(1000 + n)] for n in range(24)]
    raw.csv("test.csv", ["id", "comment_text"], test)
    labels = [
        [row[0]] + ([-1] * 6 if n % 4 == 1 else [(n * 5 >> k) & 1 for k in range(6)])
        for n, row in enumerate(test)
    ]
    raw.csv("test_labels.csv", ["id"] + LABELS, labels)
    raw.csv("sample_submission.csv", ["id"] + LABELS, [[row[0]] + [0.5] * 6 for row in test])
    return test, labels


def test_keeps_kaggles_split_without_the_unscored_rows(raw, split):
    test_rows, labels = build(raw)
    task = split(COMPETITION)

    assert task.copied("train.csv")
    header, test = task.csv("test.csv")
    assert header == ["id", "comment_text"], "the public test table holds no label"
    scored = [row for row in labels if row[1] != -1]
    assert len(test) == len(scored) == 18
    assert [[r["id"], r["comment_text"]] for r in test] == [
        row for row, lab in zip(test_rows, labels) if lab[1] != -1
    ]
    assert [[a["id"]] + [a[c] for c in LABELS] for a in task.answers] == [
        [row[0]] + [str(v) for v in row[1:]] for row in scored
    ]
    _, train = task.csv("train.csv")
    assert not set(task.answer_ids()) & {r["id"] for r in train}
    assert all(r[c] == "0.5" for r in task.sample(["id"] + LABELS) for c in LABELS)
