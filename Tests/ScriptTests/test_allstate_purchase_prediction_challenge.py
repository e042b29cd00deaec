"""allstate-purchase-prediction-challenge: customers, not rows, are held out; a test customer
shows only their quotes and the answer is the plan they bought."""

COMPETITION = "allstate-purchase-prediction-challenge"
OPTIONS = list("ABCDEFG")
QUOTE = (
    "customer_ID shopping_pt record_type day time state location group_size homeowner car_age"
    " car_value risk_factor age_oldest age_youngest married_couple C_previous duration_previous"
).split()
HEADER = QUOTE + OPTIONS + ["cost"]


def build(raw):
    """40 customers with 2-5 quotes each and one purchase, plus one who never bought."""
    rows = []
    for c in range(40):
        cid = str(10000001 + c)
        quotes = 2 + c % 4
        for point in range(1, quotes + 2):
            bought = point == quotes + 1
            options = [str((c + point + k) % 3 + (1 if k != 1 else 0)) for k in range(7)]
            profile = [c % 7, f"08:{point:02d}", "NY", 10001 + c, 1 + c % 3, c % 2, c % 15, "g"]
            profile += ["", 40 + c % 20, 38, 0, "", ""]
            rows.append([cid, point, 1 if bought else 0] + profile + options + [600 + c])
    loner = ["10000999", 1, 0, 2, "09:00", "OH", 10999, 1, 0, 3, "e", "3", 30, 30, 0, "1", "2"]
    rows.append(loner + ["1"] * 7 + [700])
    raw.csv("train.csv", HEADER, rows)
    raw.csv("test_v2.csv", HEADER, [])
    raw.csv("sampleSubmission.csv", ["customer_ID", "plan"], [["20000001", "1111111"]])
    return [[str(v) for v in r] for r in rows]


def test_holds_out_whole_customers_and_answers_their_purchased_plan(raw, split):
    source = build(raw)
    task = split(COMPETITION)

    header, train = task.csv("train.csv")
    test_header, test = task.csv("test.csv")
    assert header == HEADER and test_header == HEADER
    test_ids = task.answer_ids()
    # 36.5% of the 41 customers, drawn among the 40 who bought.
    assert len(test_ids) == round(41 * 0.365) == 15
    assert "10000999" not in test_ids
    assert not set(test_ids) & {r["customer_ID"] for r in train}, "a test customer is in train"
    # Test keeps every quote of a test customer and no purchase; train keeps everything else.
    assert all(r["record_type"] == "0" for r in test)
    assert {r["customer_ID"] for r in test} == set(test_ids)
    purchases = {r[0]: "".join(r[HEADER.index(o)] for o in OPTIONS) for r in source if r[2] == "1"}
    kept = [r for r in source if not (r[0] in test_ids and r[2] == "1")]
    assert [list(r.values()) for r in train] + [list(r.values()) for r in test] == (
        [r for r in kept if r[0] not in test_ids] + [r for r in kept if r[0] in test_ids]
    )
    assert len(train) + len(test) + len(test_ids) == len(source)
    for answer in task.answers:
        assert answer["plan"] == purchases[answer["customer_ID"]]
    assert "plan" not in test_header
    # Answers in archive order of the customers.
    assert test_ids == sorted(test_ids)
    assert all(r["plan"] == "1111111" for r in task.sample(["customer_ID", "plan"]))
