"""plant-seedlings-classification: the species is each image's folder; 14% of the images move
to a flat test/ and their species become the answers."""

COMPETITION = "plant-seedlings-classification"
SPECIES = ["Black-grass", "Charlock", "Common Chickweed", "Sugar beet"]


def build(raw):
    images = {}
    for s, species in enumerate(SPECIES):
        for n in range(6 + s):
            name = f"{(s * 131 + n * 17) % 997:03x}e{n}d{s}.png"
            raw.media(f"train/{species}/{name}")
            images[name] = species
    raw.media("test/0a1b2c.png")
    raw.csv("sample_submission.csv", ["file", "species"], [["0a1b2c.png", "Sugar beet"]])
    return images


def test_moves_a_share_of_the_images_to_a_flat_test_folder(raw, split):
    images = build(raw)
    task = split(COMPETITION)

    test = task.files("test")
    assert len(test) == round(len(images) * 0.14) == 4
    assert sorted(a["file"] for a in task.answers) == test
    train = {}
    for species in task.files("train"):
        for name in task.files(f"train/{species}"):
            train[name] = species
            assert task.copied(f"train/{species}/{name}")
    assert not set(train) & set(test)
    assert len(train) + len(test) == len(images)
    assert all(images[name] == species for name, species in train.items())
    for answer in task.answers:
        assert answer["species"] == images[answer["file"]]
        assert task.copied(f"test/{answer['file']}", f"train/{answer['species']}/{answer['file']}")
    assert all(r["species"] == "Sugar beet" for r in task.sample(["file", "species"]))
