"""Split for bengaliai-cv19: train.csv has one row per image (image_id, grapheme_root,
vowel_diacritic, consonant_diacritic, grapheme); the images are rows of four Parquet shards,
train_image_data_<n>.parquet (image_id, then one column per pixel of a 137 x 236 greyscale
image). Kaggle's answers are in long form, three rows per image (`<image_id>_<component>`).

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-Dojo does, the
test side holds as many images as Kaggle's test.csv has rows, drawn at random (seed 42;
Python's seeded Mersenne Twister draws them). Each shard is read one record batch at a time
by pyarrow and its rows written to public/train_image_data_<n>.parquet or
public/test_image_data_<n>.parquet (Kaggle's names), so memory stays bounded by a batch.
The public test.csv has Kaggle's layout (row_id, image_id, component); the answers hold a
copy of the component beside each target for the grader, named component_type (as in
class_map.csv) because a target column may not share a public column's name.
"""

import csv
import os
import random
import re
import sys

from dojo_split import find, place, write_csv  # Dojo's script library, on the import path in the sandbox

SEED = 42
COMPONENTS = ["grapheme_root", "vowel_diacritic", "consonant_diacritic"]
SHARD = re.compile(r"train_image_data_(\d+)\.parquet")
# Kept as they are; Kaggle's own test shards and tables are unlabelled and replaced.
EXTRA = ["class_map.csv", "class_map_corrected.csv"]


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames or [], list(reader)


def split_shard(source, train_path, test_path, held):
    """Streams one shard's rows to the train or test file by image_id; returns the ids seen."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError:
        sys.exit("prepare.py: pyarrow is needed to split the image shards; run scripts/install-deps")
    name = os.path.basename(source)
    try:
        shard = pq.ParquetFile(source)
    except Exception as e:
        sys.exit(f"prepare.py: {name} is not a readable Parquet file: {e}")
    if "image_id" not in shard.schema_arrow.names:
        sys.exit(f"prepare.py: {name} has no image_id column")
    held_ids = pa.array(sorted(held), type=pa.string())
    seen = []
    writers = {}
    try:
        for batch in shard.iter_batches(batch_size=1024):
            ids = batch.column("image_id").cast(pa.string())
            seen.extend(ids.to_pylist())
            is_test = pc.is_in(ids, value_set=held_ids)
            for path, mask in ((test_path, is_test), (train_path, pc.invert(is_test))):
                part = batch.filter(mask)
                if part.num_rows == 0:
                    continue
                if path not in writers:
                    writers[path] = pq.ParquetWriter(path + ".part", shard.schema_arrow)
                writers[path].write_batch(part)
    finally:
        for writer in writers.values():
            writer.close()
    for path in (train_path, test_path):
        if path in writers:
            os.rename(path + ".part", path)
    return seen


def main(raw: str, out: str) -> None:
    public = os.path.join(out, "public")
    header, rows = read(find(raw, "train.csv"))
    missing = [c for c in ["image_id"] + COMPONENTS if c not in header]
    if missing:
        sys.exit(f"prepare.py: train.csv lacks the columns {missing}")
    _, kaggle_test = read(find(raw, "test.csv"))
    ids = [r["image_id"] for r in rows]
    if len(set(ids)) != len(ids):
        sys.exit("prepare.py: train.csv repeats an image_id")
    count = len(kaggle_test)
    if not 0 < count < len(ids):
        sys.exit(f"prepare.py: cannot hold out {count} images (test.csv's rows) of {len(ids)}")
    held = set(random.Random(SEED).sample(sorted(ids), count))
    shards = sorted(
        (int(m.group(1)), os.path.join(root, name))
        for root, _, names in os.walk(raw)
        for name in names
        if (m := SHARD.fullmatch(name))
    )
    if not shards:
        sys.exit(f"prepare.py: no train_image_data_<n>.parquet under {raw}")
    os.makedirs(public, exist_ok=True)
    seen = []
    for number, source in shards:
        seen += split_shard(
            source,
            os.path.join(public, f"train_image_data_{number}.parquet"),
            os.path.join(public, f"test_image_data_{number}.parquet"),
            held,
        )
    if len(set(seen)) != len(seen):
        sys.exit("prepare.py: an image_id appears in two shard rows")
    unseen = sorted(set(ids) - set(seen))
    if unseen:
        sys.exit(f"prepare.py: {len(unseen)} images of train.csv are in no shard, such as {unseen[:3]}")
    for name in EXTRA:
        path = os.path.join(raw, name)
        if os.path.isfile(path):
            place(path, os.path.join(public, name))
    write_csv(os.path.join(public, "train.csv"), header,
              [[r[c] for c in header] for r in rows if r["image_id"] not in held])
    test = [r for r in rows if r["image_id"] in held]
    long = [(f"{r['image_id']}_{c}", r["image_id"], c, r[c]) for r in test for c in COMPONENTS]
    empty = [row_id for row_id, _, _, target in long if target == ""]
    if empty:
        sys.exit(f"prepare.py: train.csv has no label for {empty[:3]}")
    write_csv(os.path.join(public, "test.csv"), ["row_id", "image_id", "component"],
              [[row_id, image, c] for row_id, image, c, _ in long])
    write_csv(os.path.join(out, "private", "answers.csv"), ["row_id", "target", "component_type"],
              [[row_id, target, c] for row_id, _, c, target in long])
    write_csv(os.path.join(public, "sample_submission.csv"), ["row_id", "target"],
              [[row_id, 0] for row_id, _, _, _ in long])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
