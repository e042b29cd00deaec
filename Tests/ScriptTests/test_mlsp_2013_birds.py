"""mlsp-2013-birds: only the labelled fold is used; 20% of its recordings become the new test
fold, renumbered 0..n-1, and each (recording, species) pair is an answer."""

COMPETITION = "mlsp-2013-birds"
ROOT = "mlsp_contest_dataset"
ESSENTIAL = f"{ROOT}/essential_data"
SUPPLEMENTAL = f"{ROOT}/supplemental_data"
IMAGE_FOLDERS = [
    "filtered_spectrograms",
    "segmentation_examples",
    "spectrograms",
    "supervised_segmentation",
]
TABLES = {
    "histogram_of_segments.txt": "rec_id,[histogram of segment features]",
    "segment_features.txt": "rec_id,segment_id,[feature vector]",
    "segment_rectangles.txt": "rec_id,[segment_id],[min_x],[max_x],[min_y],[max_y],",
}


def build(raw):
    """30 recordings, every third in Kaggle's unlabelled fold 1; some labelled ones hear no bird."""
    recs = list(range(30))
    fold = {r: 1 if r % 3 == 1 else 0 for r in recs}
    name = {r: f"PC{1 + r % 4}_200906{10 + r:02d}_050012_{r:04d}" for r in recs}
    species = {r: sorted({(r * 3) % 19, (r * 7) % 19}) if r % 5 else [] for r in recs}
    raw.text(
        f"{ESSENTIAL}/CVfolds_2.txt", "rec_id,fold\n" + "".join(f"{r},{fold[r]}\n" for r in recs)
    )
    raw.text(
        f"{ESSENTIAL}/rec_id2filename.txt",
        "rec_id,filename\n" + "".join(f"{r},{name[r]}\n" for r in recs),
    )
    raw.text(
        f"{ESSENTIAL}/rec_labels_test_hidden.txt",
        "rec_id,[labels]\n"
        + "".join(
            (
                f"{r},?\n"
                if fold[r]
                else (f"{r}," + ",".join(map(str, species[r])) + "\n" if species[r] else f"{r}\n")
            )
            for r in recs
        ),
    )
    raw.text(
        f"{ESSENTIAL}/species_list.txt",
        "class_id,code,species\n" + "".join(f"{s},B{s:03d},Bird {s}\n" for s in range(19)),
    )
    for r in recs:
        raw.media(f"{ESSENTIAL}/src_wavs/{name[r]}.wav")
        for folder in IMAGE_FOLDERS:
            if folder != "segmentation_examples" or r % 4 == 0:
                raw.media(f"{SUPPLEMENTAL}/{folder}/{name[r]}.bmp")
    raw.text(
        f"{SUPPLEMENTAL}/histogram_of_segments.txt",
        TABLES["histogram_of_segments.txt"] + "\n" + "".join(f"{r},0.{r},0.5,0.0\n" for r in recs),
    )
    raw.text(
        f"{SUPPLEMENTAL}/segment_features.txt",
        TABLES["segment_features.txt"]
        + "\n"
        + "".join(f"{r},{s},0.9{r},1.5\n" for r in recs if r % 2 for s in range(2)),
    )
    raw.text(
        f"{SUPPLEMENTAL}/segment_rectangles.txt",
        TABLES["segment_rectangles.txt"]
        + "\n"
        + "".join(f"{r},{s},1,2,3,4,\n" for r in recs if r % 2 for s in range(2)),
    )
    raw.media(f"{SUPPLEMENTAL}/segment_mosaic.bmp")
    return [r for r in recs if fold[r] == 0], name, species


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_renumbers_the_labelled_fold_and_hides_a_fifth_of_it(raw, split):
    labelled, name, species = build(raw)
    task = split(COMPETITION)
    essential = task.public / "essential_data"

    folds = [line.split(",") for line in lines(essential / "CVfolds_2.txt")[1:]]
    assert [int(i) for i, _ in folds] == list(range(len(labelled)))
    test = [int(i) for i, f in folds if f == "1"]
    assert len(test) == round(20 * 0.2) and all(f in ("0", "1") for _, f in folds)
    assert lines(essential / "rec_id2filename.txt") == ["rec_id,filename"] + [
        f"{i},{name[r]}" for i, r in enumerate(labelled)
    ]
    shown = lines(essential / "rec_labels_test_hidden.txt")
    assert shown[0] == "rec_id,[labels]"
    for i, r in enumerate(labelled):
        if i in test:
            want = f"{i},?"
        elif species[r]:
            want = f"{i}," + ",".join(map(str, species[r]))
        else:
            want = f"{i}"  # a recording where no bird is heard: the id alone
        assert shown[1 + i] == want
    assert len(shown) == 1 + len(labelled)
    # One answer per test recording and species: Id = new rec_id * 100 + species.
    assert [(a["Id"], a["Probability"]) for a in task.answers] == [
        (str(i * 100 + s), str(int(s in species[labelled[i]])))
        for i in sorted(test)
        for s in range(19)
    ]
    assert any(a["Probability"] == "1" for a in task.answers)
    assert all(r["Probability"] == "0" for r in task.sample(["Id", "Probability"]))
    # Media of every labelled recording (train and new test), none of Kaggle's unlabelled fold.
    names = sorted(name[r] for r in labelled)
    assert task.files("essential_data/src_wavs") == [f"{n}.wav" for n in names]
    for folder in IMAGE_FOLDERS:
        want = [
            f"{n}.bmp" for n in names if (raw.root / SUPPLEMENTAL / folder / f"{n}.bmp").exists()
        ]
        assert want and task.files(f"supplemental_data/{folder}") == want
    for wav in task.files("essential_data/src_wavs"):
        assert task.copied(f"essential_data/src_wavs/{wav}", f"{ESSENTIAL}/src_wavs/{wav}")
    assert task.copied("essential_data/species_list.txt", f"{ESSENTIAL}/species_list.txt")
    # The segment tables keep the labelled recordings' rows, renumbered.
    new_id = {r: i for i, r in enumerate(labelled)}
    for table, header in TABLES.items():
        source = lines(raw.root / SUPPLEMENTAL / table)[1:]
        want = [
            f"{new_id[int(row.split(',')[0])]},{row.partition(',')[2]}"
            for row in source
            if int(row.split(",")[0]) in new_id
        ]
        assert lines(task.public / "supplemental_data" / table) == [header] + want
