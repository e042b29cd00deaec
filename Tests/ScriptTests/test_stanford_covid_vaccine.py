"""stanford-covid-vaccine: JSON lines with per-position labels; 10% of the sequences, drawn
among SN_filter > 0, are held out and each scored position is an answer row."""

import json

COMPETITION = "stanford-covid-vaccine"
SCORED = ["reactivity", "deg_Mg_pH10", "deg_Mg_50C"]
LABELS = ["reactivity", "deg_Mg_pH10", "deg_pH10", "deg_Mg_50C", "deg_50C"]
ERRORS = [
    "reactivity_error",
    "deg_error_Mg_pH10",
    "deg_error_pH10",
    "deg_error_Mg_50C",
    "deg_error_50C",
]
HIDDEN = set(LABELS + ERRORS + ["signal_to_noise", "SN_filter"])


def record(n: int) -> dict:
    length, scored = 12, 8
    row = {
        "index": n,
        "id": f"id_{n:03x}a1",
        "sequence": "GGAAAGCUCUAU"[:length],
        "structure": ".....((...))"[:length],
        "predicted_loop_type": "EEEEESSHHHSS"[:length],
        "signal_to_noise": round(0.5 + n / 7, 3),
        "SN_filter": 0 if n % 4 == 3 else 1,
        "seq_length": length,
        "seq_scored": scored,
    }
    for k, name in enumerate(LABELS + ERRORS):
        row[name] = [round((n * 3 + k * 5 + j) / 17, 4) for j in range(scored)]
    return row


def build(raw):
    """40 sequences, a quarter of them filtered out (SN_filter 0), with their bpps matrices."""
    rows = [record(n) for n in range(40)]
    raw.json_lines("train.json", rows)
    raw.json_lines("test.json", [{k: v for k, v in record(100).items() if k not in HIDDEN}])
    raw.csv("sample_submission.csv", ["id_seqpos"] + SCORED, [["id_064a1_0", 0, 0, 0]])
    for row in rows:
        raw.media(f"bpps/{row['id']}.npy")
    return rows


def test_holds_out_a_tenth_of_the_filtered_sequences_and_answers_each_scored_position(raw, split):
    rows = build(raw)
    task = split(COMPETITION)

    source_lines = (raw.root / "train.json").read_text(encoding="utf-8").splitlines()
    train_lines = (task.public / "train.json").read_text(encoding="utf-8").splitlines()
    test_lines = (task.public / "test.json").read_text(encoding="utf-8").splitlines()
    test = [json.loads(line) for line in test_lines]
    assert len(test) == int(40 * 0.1)
    by_id = {r["id"]: r for r in rows}
    test_ids = [r["id"] for r in test]
    filtered = all(by_id[i]["SN_filter"] == 1 for i in test_ids)
    assert filtered, "test sequences are drawn among SN_filter > 0"
    assert train_lines == [line for line, r in zip(source_lines, rows) if r["id"] not in test_ids]
    assert len(train_lines) + len(test) == len(rows)
    for public_row in test:
        assert not HIDDEN & set(public_row), f"test.json leaks {HIDDEN & set(public_row)}"
        assert public_row == {k: v for k, v in by_id[public_row["id"]].items() if k not in HIDDEN}
    expected = [
        [f"{i}_{j}"] + [by_id[i][c][j] for c in SCORED]
        for i in test_ids
        for j in range(by_id[i]["seq_scored"])
    ]
    assert [[a["id_seqpos"]] + [float(a[c]) for c in SCORED] for a in task.answers] == expected
    sample = task.sample(["id_seqpos"] + SCORED)
    assert all(float(r[c]) > 0 for r in sample for c in SCORED)
    bpps = sorted(f"{r['id']}.npy" for r in rows)
    assert task.files("bpps") == bpps, "every sequence, train or test, keeps its bpps"
