"""billion-word-imputation: one sentence per line; about 1% of the sentences of more than two
words go to the test side with one inner word removed."""

COMPETITION = "billion-word-imputation"
WORDS = ["the", "cat", "sat", "on", "a", "mat", ",", "said", '"', "Bob", "today", "."]


def build(raw):
    """3000 distinct sentences of 1-9 words (some with quotes or commas); the last has no
    newline."""
    lines = [
        " ".join([f"s{n}"] + [WORDS[(n + k * 5) % len(WORDS)] for k in range(n % 9)])
        for n in range(3000)
    ]
    raw.text("train_v2.txt", "\n".join(lines))
    raw.csv("test_v2.txt", ["id", "sentence"], [[0, "a sentence"]])
    return lines


def test_removes_one_inner_word_from_about_one_sentence_in_a_hundred(raw, split):
    source = build(raw)
    task = split(COMPETITION)

    train = (task.public / "train_v2.txt").read_text(encoding="utf-8").splitlines()
    test_header, test = task.csv("test_v2.txt")
    assert test_header == ["id", "sentence"]
    answers = task.answers
    assert [a["id"] for a in answers] == [str(n) for n in range(len(answers))]
    # Probability 0.01 over 3000 lines (seed 0), and never a sentence of two words or fewer.
    assert 10 <= len(answers) <= 60
    assert all(len(a["sentence"].split()) > 2 for a in answers)
    # Every sentence is on exactly one side; train keeps archive order.
    held = {a["sentence"] for a in answers}
    assert not held & set(train), "a test sentence is also in train"
    assert train == [line for line in source if line not in held]
    assert [a["sentence"] for a in answers] == [line for line in source if line in held]
    assert len(train) + len(answers) == len(source)
    # The test sentence is the answer minus one word that is neither first nor last.
    for question, answer in zip(test, answers, strict=True):
        assert question["id"] == answer["id"]
        full, short = answer["sentence"].split(), question["sentence"].split()
        assert len(short) == len(full) - 1
        assert short[0] == full[0] and short[-1] == full[-1]
        assert any(full[:k] + full[k + 1 :] == short for k in range(1, len(full) - 1))
    assert [r["sentence"] for r in task.sample(["id", "sentence"])] == [r["sentence"] for r in test]
