"""the-winton-stock-market-challenge: 75% of train.csv is held out; the public test drops the
returns to predict and the weights, and the answers hold one row per return with its weight."""

COMPETITION = "the-winton-stock-market-challenge"
FEATURES = [f"Feature_{k}" for k in range(1, 26)]
PAST = ["Ret_MinusTwo", "Ret_MinusOne"] + [f"Ret_{k}" for k in range(2, 121)]
INTRADAY = [f"Ret_{k}" for k in range(121, 181)]
DAILY = ["Ret_PlusOne", "Ret_PlusTwo"]
WEIGHTS = ["Weight_Intraday", "Weight_Daily"]
HEADER = ["Id"] + FEATURES + PAST + INTRADAY + DAILY + WEIGHTS


def build(raw):
    """40 windows; some features and past returns are missing, as in the real file."""
    rows = []
    for n in range(1, 41):
        values = [
            (
                ""
                if k < len(FEATURES + PAST) and (n + k) % 11 == 0
                else f"{((n * 7 + k * 3) % 200 - 100) / 10000:.6f}"
            )
            for k in range(len(HEADER) - 3)
        ]
        rows.append([str(n)] + values + [f"{1000000 + n * 991}.5", f"{1250000 + n * 977}.25"])
    raw.csv("train.csv", HEADER, rows)
    raw.csv("test_2.csv", ["Id"] + FEATURES + PAST, [["1"] + ["0"] * (len(FEATURES) + len(PAST))])
    raw.csv("sample_submission_2.csv", ["Id", "Predicted"], [["1_1", 0]])
    return rows


def test_holds_out_three_quarters_and_melts_each_return_into_an_answer(raw, split):
    source = build(raw)
    task = split(COMPETITION)

    header, train = task.csv("train.csv")
    test_header, test = task.csv("test.csv")
    assert header == HEADER
    shown = ["Id"] + FEATURES + PAST
    assert test_header == shown, "the public test must drop the returns to predict and the weights"
    assert len(test) == round(40 * 0.75) == 30
    test_ids = [r["Id"] for r in test]
    assert not set(test_ids) & {r["Id"] for r in train}
    assert [list(r.values()) for r in train] == [r for r in source if r[0] not in test_ids]
    by_id = {r[0]: dict(zip(HEADER, r)) for r in source}
    assert [list(r.values()) for r in test] == [
        [by_id[i][c] for c in test_header] for i in test_ids
    ]
    expected = [
        (f"{i}_{k}", by_id[i][c], by_id[i]["Weight_Intraday" if k <= 60 else "Weight_Daily"])
        for i in test_ids
        for k, c in enumerate(INTRADAY + DAILY, start=1)
    ]
    assert [(a["Id"], a["Predicted"], a["Weight"]) for a in task.answers] == expected
    assert len(task.answers) == 62 * len(test)
    assert all(r["Predicted"] == "0" for r in task.sample(["Id", "Predicted"]))
