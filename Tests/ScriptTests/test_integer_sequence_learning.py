"""integer-sequence-learning: 20% of the sequences lose their last term, which is the answer."""

COMPETITION = "integer-sequence-learning"


def build(raw):
    """50 sequences (two of a single term, which cannot be cut); Kaggle's test and sample."""
    rows = [
        [n * 7 + 3, ",".join(str(k * k + n) for k in range(1 if n in (4, 30) else 2 + n % 9))]
        for n in range(50)
    ]
    raw.csv("train.csv", ["Id", "Sequence"], rows)
    raw.csv("test.csv", ["Id", "Sequence"], [[1, "1,2,3"]])
    raw.csv("sample_submission.csv", ["Id", "Last"], [[1, 0]])
    return [[str(a), b] for a, b in rows]


def test_cuts_the_last_term_off_a_fifth_of_the_sequences(raw, split):
    source = build(raw)
    task = split(COMPETITION)

    header, train = task.csv("train.csv")
    test_header, test = task.csv("test.csv")
    assert header == ["Id", "Sequence"] and test_header == ["Id", "Sequence"]
    test_ids = task.answer_ids()
    assert len(test) == len(test_ids) == round(50 * 0.2)
    assert [r["Id"] for r in test] == test_ids
    assert not set(test_ids) & {r["Id"] for r in train}
    by_id = dict(source)
    assert [list(r.values()) for r in train] == [r for r in source if r[0] not in test_ids]
    assert len(train) + len(test) == len(source)
    for question, answer in zip(test, task.answers, strict=True):
        assert by_id[question["Id"]] == question["Sequence"] + "," + answer["Last"]
    one_term = {str(4 * 7 + 3), str(30 * 7 + 3)}
    assert one_term <= {r["Id"] for r in train}, "a one-term sequence has no last term to hide"
    assert all(r["Last"] == "0" for r in task.sample(["Id", "Last"]))
