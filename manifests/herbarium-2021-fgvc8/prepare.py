"""Split for herbarium-2021-fgvc8: the labels sit in a COCO-style metadata file, not a table.

Each category keeps 20% of its images for the test side (categories with one image stay in
training; those with two to four give their last image(s)), as MLE-bench does. Test images
are renamed by number so their names say nothing of their class, and the answers are
(Id, Predicted = category_id). Dojo runs this as `python3 prepare.py RAW OUT` with RAW
read-only; it writes OUT/public/ and OUT/private/answers.csv, and Dojo then checksums and
checks the result like any declarative split. Deterministic: a seeded Mersenne Twister
(whose sequence Python pins) picks the images, in metadata order; media files are
hard-linked where possible, else copied.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
import coco_split  # noqa: E402  (the shared split, found next to this manifest folder)

coco_split.run(
    METADATA='train/metadata.json',
    IMAGE_ROOT='train',
    TEST_SHARE=0.2,
    SEED=0,
    PUBLIC_TRAIN_METADATA='train/metadata.json',
    PUBLIC_TRAIN_IMAGES='train',
    PUBLIC_TEST_METADATA='test/metadata.json',
    PUBLIC_TEST_IMAGES='test',
    TEST_NAME='images/{k:03d}/{n}.jpg',  # a test image's new file name, from its number
)
