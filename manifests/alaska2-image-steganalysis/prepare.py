"""Split for alaska2-image-steganalysis: the labels are folders, not a table. Cover/ holds
75,000 unaltered JPEGs and JMiPOD/, JUNIWARD/ and UERD/ each hold the same 75,000 images
(same file names) with a message hidden by that algorithm. Kaggle's Test/ images have no
published labels and are not shipped.

Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only. As MLE-bench does, 5,000 of
the 75,000 cover names (1/15, so the split scales with the archive; seed 42, Python's seeded
Mersenne Twister) are held out with all four of their versions. Each held-out name becomes one
test image: its cover (Label 0) or one algorithm's version (Label 1). MLE-bench draws each
image's side at random; Dojo alternates them in the shuffled order, so the test side is exactly
half covers and the algorithms take equal turns. The test images are shuffled again and
renamed 0001.jpg, 0002.jpg, ... into public/Test/, so neither the name nor the order tells the
label; the other names keep their four versions in public/Cover/, JMiPOD/, JUNIWARD/, UERD/.
"""

import os
import random
import sys

from dojo_split import find_dir, place, write_csv  # Dojo's script library, on the import path in the sandbox

SEED = 42
TEST_FRACTION = 1 / 15
ALGORITHMS = ["JMiPOD", "JUNIWARD", "UERD"]


def main(raw: str, out: str) -> None:
    folders = {name: find_dir(raw, name) for name in ["Cover"] + ALGORITHMS}
    names = sorted(n for n in os.listdir(folders["Cover"]) if n.lower().endswith(".jpg"))
    for algorithm in ALGORITHMS:
        missing = [n for n in names if not os.path.isfile(os.path.join(folders[algorithm], n))]
        if missing:
            sys.exit(f"prepare.py: {algorithm}/ lacks {len(missing)} of Cover/'s images, first {missing[0]}")
    count = max(2, round(len(names) * TEST_FRACTION))
    if len(names) < count + 1:
        sys.exit(f"prepare.py: Cover/ holds {len(names)} images, too few to hold out {count}")
    rng = random.Random(SEED)
    held = rng.sample(names, count)
    test = []
    for k, name in enumerate(held):
        folder = "Cover" if k % 2 == 0 else ALGORITHMS[(k // 2) % len(ALGORITHMS)]
        test.append((os.path.join(folders[folder], name), 0 if folder == "Cover" else 1))
    rng.shuffle(test)
    width = max(4, len(str(len(test))))
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(private, exist_ok=True)
    answers = []
    for k, (source, label) in enumerate(test, start=1):
        image = f"{k:0{width}d}.jpg"
        place(source, os.path.join(public, "Test", image))
        answers.append([image, label])
    kept = sorted(set(names) - set(held))
    for folder, source in folders.items():
        for name in kept:
            place(os.path.join(source, name), os.path.join(public, folder, name))
    write_csv(os.path.join(private, "answers.csv"), ["Id", "Label"], answers)
    write_csv(os.path.join(public, "sample_submission.csv"), ["Id", "Label"], [[i, 0] for i, _ in answers])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
