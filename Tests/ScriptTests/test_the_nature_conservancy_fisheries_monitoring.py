"""the-nature-conservancy-fisheries-monitoring: the class is each image's folder; the last 20%
of each class folder (in name order) move to a flat test/."""

COMPETITION = "the-nature-conservancy-fisheries-monitoring"
CLASSES = ["ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK", "YFT"]


def build(raw):
    """2-11 images per class (unique names across classes), and a hidden file to be ignored."""
    images, n = {}, 0
    for c, label in enumerate(CLASSES):
        for _ in range(2 + (c * 3) % 10):
            name = f"img_{(n * 7919) % 10000:05d}.jpg"
            raw.media(f"train/{label}/{name}")
            images[name] = label
            n += 1
    raw.bytes("train/ALB/.DS_Store", b"\x00\x00\x00\x01Bud1")
    raw.media("test_stg1/img_99999.jpg")
    raw.csv("sample_submission_stg1.csv", ["image"] + CLASSES, [["img_99999.jpg"] + [0.125] * 8])
    return images


def test_moves_the_last_fifth_of_each_class_folder_to_test(raw, split):
    images = build(raw)
    task = split(COMPETITION)

    expected = []
    for label in CLASSES:
        names = sorted(n for n, lab in images.items() if lab == label)
        cut = int(len(names) * 0.8)
        assert task.files(f"train/{label}") == names[:cut]
        expected += [(n, label) for n in names[cut:]]
    assert [(a["image"], a["label"]) for a in task.answers] == sorted(expected)
    assert task.files("test") == sorted(n for n, _ in expected)
    assert len(expected) + sum(len(task.files(f"train/{c}")) for c in CLASSES) == len(images)
    for name, label in expected:
        assert task.copied(f"test/{name}", f"train/{label}/{name}")
    assert ".DS_Store" not in task.files("train/ALB")
    assert task.answers_spec.classes == CLASSES, "the manifest's classes are the sample's columns"
    sample = task.sample(["image"] + task.answers_spec.classes)
    assert all(abs(sum(float(r[c]) for c in CLASSES) - 1) < 1e-9 for r in sample)
