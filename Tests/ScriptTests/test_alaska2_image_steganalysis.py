"""alaska2-image-steganalysis: 1/15 of the cover names held out, each shown as its cover
(Label 0) or one algorithm's version (Label 1), renamed in a shuffled order."""

COMPETITION = "alaska2-image-steganalysis"
FOLDERS = ["Cover", "JMiPOD", "JUNIWARD", "UERD"]


def build(raw):
    for n in range(1, 61):
        for folder in FOLDERS:
            raw.media(f"{folder}/{n:05d}.jpg")
    raw.media("Test/0001.jpg")
    raw.csv("sample_submission.csv", ["Id", "Label"], [["0001.jpg", "0"]])


def test_each_test_image_is_one_version_labelled_by_its_folder(raw, split):
    build(raw)
    task = split(COMPETITION)
    assert [a["Id"] for a in task.answers] == ["0001.jpg", "0002.jpg", "0003.jpg", "0004.jpg"]
    assert sorted(a["Label"] for a in task.answers) == ["0", "0", "1", "1"]
    held = set()
    for a in task.answers:
        text = (task.public / "Test" / a["Id"]).read_bytes().decode()
        folder, name = text.split()[1].split("/")
        assert (folder == "Cover") == (a["Label"] == "0")
        held.add(name)
    for folder in FOLDERS:
        kept = set(task.files(folder))
        assert len(kept) == 56 and kept.isdisjoint(held)
