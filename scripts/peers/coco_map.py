"""pycocotools' box mAP (COCOeval stats[0]): the peer of Dojo's box_map in DetectionMetricTests.

Input (argv[1]): {"cases": [...]}, each {"thresholds": [...], "max_detections": n, "images": [{"truth":
[[label, x_min, y_min, x_max, y_max], ...], "predicted": [[label, score, x_min, y_min, x_max,
y_max], ...]}, ...]}. Prints one number per line of "cases" as Python's repr. Categories are
the truth's labels, image ids the rows' order, boxes given to COCO as x, y, width, height.
"""

import contextlib
import io
import json
import sys

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def score(case):
    labels = sorted({t[0] for image in case["images"] for t in image["truth"]})
    category = {label: k + 1 for k, label in enumerate(labels)}
    images = [{"id": i} for i in range(len(case["images"]))]
    truth, predicted = [], []
    for i, image in enumerate(case["images"]):
        for label, x1, y1, x2, y2 in image["truth"]:
            w, h = x2 - x1, y2 - y1
            truth.append({"id": len(truth) + 1, "image_id": i, "category_id": category[label],
                          "bbox": [x1, y1, w, h], "area": w * h, "iscrowd": 0})
        for label, s, x1, y1, x2, y2 in image["predicted"]:
            w, h = x2 - x1, y2 - y1
            predicted.append({"id": len(predicted) + 1, "image_id": i,
                              "category_id": category.get(label, 10_000), "bbox": [x1, y1, w, h],
                              "area": w * h, "iscrowd": 0, "score": s})
    categories = [{"id": k, "name": label} for label, k in category.items()]
    categories.append({"id": 10_000, "name": "not in the truth"})
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": images, "annotations": truth,
                      "categories": [c for c in categories if c["id"] != 10_000]}
        gt.createIndex()
        dt = COCO()
        dt.dataset = {"images": images, "annotations": predicted, "categories": categories}
        dt.createIndex()
        e = COCOeval(gt, dt, "bbox")
        e.params.iouThrs = np.array(case["thresholds"], dtype=float)
        e.params.maxDets = sorted({1, 10, case["max_detections"]})
        e.evaluate()
        e.accumulate()
        e.summarize()
    # stats[0] reads maxDets 100 only; the same mean at the case's own limit (COCOeval sorts
    # maxDets), over every area, as _summarize computes it.
    m = e.params.maxDets.index(case["max_detections"])
    precision = e.eval["precision"][:, :, :, 0, m]
    valid = precision[precision > -1]
    return float(np.mean(valid)) if valid.size else -1.0


for case in json.load(open(sys.argv[1]))["cases"]:
    print(repr(float(score(case))))
