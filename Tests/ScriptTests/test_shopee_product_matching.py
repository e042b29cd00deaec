"""shopee-product-matching: a random 20% of train.csv's postings (seed 42) become the test side,
without label_group; each answer lists the test postings sharing its label_group, itself
included; the sample submission matches each posting with itself; each side gets the images its
postings name (an image file can be shared by several postings, as in the real archive)."""

COMPETITION = "shopee-product-matching"
HEADER = ["posting_id", "image", "image_phash", "title", "label_group"]


def title(n: int) -> str:
    """Free text as the real titles have it: commas, quotes, escapes and non-ASCII."""
    return [
        f"Paper Bag Victoria Secret {n}",
        f'Double Tape 3M VHB 12 mm x 4,5 m ORIGINAL / DOUBLE FOAM TAPE "{n}"',
        f"Maling TTS Canned Pork Luncheon Meat 397 gr \\xe2\\x80\\x93 {n}",
        f"Daster Batik Lengan pendek - Motif Acak / Campur - Leher Kancing (DPT001-00) Batik {n}",
        f"Nescafe \xc3 Kopi Susu 200ml — {n} 😀",
    ][n % 5]


def build(raw):
    """40 postings in 9 label groups of four or five; eight images shared by two postings."""
    rows = []
    for n in range(40):
        group = str(249114794 + (n * 7 % 9) * 1000003)
        shared = n % 10 in (3, 6)
        image = f"{(n - 1 if shared else n) * 2654435761 % 2**32:08x}" + "a" * 24 + ".jpg"
        rows.append([f"train_{129225211 + n * 7919}", image, f"94974f937d4c2433{n:x}",
                     title(n), group])
    for image in sorted({r[1] for r in rows}):
        raw.media(f"train_images/{image}")
    raw.csv("train.csv", HEADER, rows)
    # The archive's own three-row test and its images: the script ignores them.
    test = [[f"test_{2255846744 + k}", f"0006c8e5462ae52167402bac1c2e916{k}.jpg",
             "ecc292392dc7687a", f"Edufuntoys - CHARACTER PHONE ada lampu {k}"] for k in range(3)]
    raw.csv("test.csv", HEADER[:4], test)
    for r in test:
        raw.media(f"test_images/{r[1]}")
    raw.csv("sample_submission.csv", ["posting_id", "matches"], [[r[0], r[0]] for r in test])
    return rows


def test_holds_out_a_fifth_of_the_postings_and_answers_their_test_side_matches(raw, split):
    rows = build(raw)
    task = split(COMPETITION)
    by_id = {r[0]: r for r in rows}

    header, train = task.csv("train.csv")
    assert header == HEADER
    test_header, test = task.csv("test.csv")
    assert test_header == ["posting_id", "image", "image_phash", "title"], "no label_group"
    assert len(test) == round(len(rows) * 0.2) == 8
    assert len(train) + len(test) == len(rows)
    assert [[r[c] for c in HEADER] for r in train] == [
        r for r in rows if r[0] in {t["posting_id"] for t in train}
    ]
    assert [[r[c] for c in test_header] for r in test] == [
        r[:4] for r in rows if r[0] in {t["posting_id"] for t in test}
    ]

    # One answer per test posting, in order, none of them a training posting.
    test_ids = [r["posting_id"] for r in test]
    assert task.answer_ids() == test_ids
    assert not set(test_ids) & {r["posting_id"] for r in train}

    # Each answer: exactly the test postings of its label group (itself included), sorted.
    group = {p: by_id[p][4] for p in test_ids}
    for a in task.answers:
        matches = a["matches"].split(" ")
        assert matches == sorted(matches)
        assert a["posting_id"] in matches
        assert set(matches) <= set(test_ids), "a match outside the test side"
        assert set(matches) == {p for p in test_ids if group[p] == group[a["posting_id"]]}
    assert any(len(a["matches"].split(" ")) > 1 for a in task.answers), (
        "the miniature must put two postings of a group on the test side"
    )

    # Each side holds exactly the images its postings name, with the archive's bytes; an image
    # shared by postings on both sides is on both sides.
    assert {r["image"] for r in train} & {r["image"] for r in test}, (
        "the miniature must share an image across the sides"
    )
    for side, table in (("train", train), ("test", test)):
        images = sorted({r["image"] for r in table})
        assert task.files(f"{side}_images") == images
        assert all(task.copied(f"{side}_images/{i}", f"train_images/{i}") for i in images)
    assert sorted(p.name for p in task.public.iterdir()) == [
        "sample_submission.csv", "test.csv", "test_images", "train.csv", "train_images"
    ]

    # The sample submission matches each posting with itself.
    assert all(r["matches"] == r["posting_id"] for r in task.sample(["posting_id", "matches"]))
