"""bengaliai-cv19: as many images held out as Kaggle's test.csv has rows; each shard's rows
reach train_image_data_<n> or test_image_data_<n> by image_id; answers three rows an image."""

import pyarrow as pa
import pyarrow.parquet as pq

COMPETITION = "bengaliai-cv19"

PIXELS = [str(i) for i in range(6)]  # 32,332 on Kaggle; a few keep the layout


def build(raw, images=40, test_rows=9):
    rows = []
    for shard in range(4):
        ids = [f"Train_{shard * 10 + i}" for i in range(images // 4)]
        columns = {"image_id": ids}
        for p in PIXELS:
            columns[p] = pa.array([(7 * int(i.split("_")[1]) + int(p)) % 256 for i in ids], type=pa.uint8())
        pq.write_table(pa.table(columns), raw.path(f"train_image_data_{shard}.parquet"))
        rows += [[i, int(i.split("_")[1]) % 168, int(i.split("_")[1]) % 11, int(i.split("_")[1]) % 7, "ক"]
                 for i in ids]
    pq.write_table(pa.table({"image_id": ["Test_0"], "0": pa.array([1], type=pa.uint8())}),
                   raw.path("test_image_data_0.parquet"))
    raw.csv("train.csv", ["image_id", "grapheme_root", "vowel_diacritic", "consonant_diacritic", "grapheme"], rows)
    raw.csv("test.csv", ["row_id", "image_id", "component"],
            [[f"Test_{n // 3}_c{n % 3}", f"Test_{n // 3}", f"c{n % 3}"] for n in range(test_rows)])
    raw.csv("class_map.csv", ["component_type", "label", "component"], [["grapheme_root", 0, "ং"]])
    raw.csv("sample_submission.csv", ["row_id", "target"], [["Test_0_consonant_diacritic", 0]])
    return rows


def test_images_split_by_id_across_the_shards_and_answers_are_long(raw, split):
    rows = build(raw)
    task = split(COMPETITION)
    label = {r[0]: r for r in rows}
    held = sorted(a["row_id"].removesuffix("_grapheme_root") for a in task.answers
                  if a["component_type"] == "grapheme_root")
    assert len(held) == 9 and len(task.answers) == 27
    for answer in task.answers:
        component = answer["component_type"]
        image = answer["row_id"].removesuffix(f"_{component}")
        assert image in label and answer["row_id"] == f"{image}_{component}"
        index = ["grapheme_root", "vowel_diacritic", "consonant_diacritic"].index(component)
        assert answer["target"] == str(label[image][1 + index])
    test_ids, train_ids = [], []
    for shard in range(4):
        for side, ids in (("test", test_ids), ("train", train_ids)):
            path = task.public / f"{side}_image_data_{shard}.parquet"
            if path.exists():
                table = pq.read_table(path)
                assert table.column_names == ["image_id"] + PIXELS
                ids += table.column("image_id").to_pylist()
                # Pixels travel with their image.
                for image, value in zip(table.column("image_id").to_pylist(), table.column("3").to_pylist()):
                    assert value == (7 * int(image.split("_")[1]) + 3) % 256
    assert sorted(test_ids) == held
    assert sorted(train_ids + test_ids) == sorted(label)
    _, train = task.csv("train.csv")
    assert sorted(r["image_id"] for r in train) == sorted(train_ids)
    _, test = task.csv("test.csv")
    assert [r["row_id"] for r in test] == task.answer_ids()
    assert {r["component"] for r in test} == {"grapheme_root", "vowel_diacritic", "consonant_diacritic"}
    assert task.copied("class_map.csv")
    assert not (task.public / "Test_0").exists()
    assert {r["target"] for r in task.sample(["row_id", "target"])} == {"0"}


def test_refuses_an_image_of_train_csv_that_no_shard_holds(raw, tmp_path, harness):
    import pytest

    rows = build(raw)
    rows.append(["Train_999", 1, 1, 1, "ক"])
    raw.csv("train.csv", ["image_id", "grapheme_root", "vowel_diacritic", "consonant_diacritic", "grapheme"], rows)
    with pytest.raises(AssertionError, match="are in no shard"):
        harness.run_script(COMPETITION, raw.root, tmp_path / "out", hash_seed="1")
