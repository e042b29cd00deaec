#!/usr/bin/env python3
"""Writes Tests/GradingTests/Vectors/<metric>.json for the competition metrics of the `columns`
shape, each computed through scikit-learn, SciPy or NumPy (and the Levenshtein package) on
random and adversarial inputs, in the format of scripts/metric_vectors.py.

Run with the pinned versions (scripts/requirements-vectors.txt):

    python3 -m venv /tmp/vec && /tmp/vec/bin/pip install -r scripts/requirements-vectors.txt
    /tmp/vec/bin/python scripts/competition_metric_vectors.py

What each reference is:
- kendall_tau_orderings: scipy.stats.kendalltau per row; for a permutation,
  inversions = (1 - tau) * n(n-1) / 4, pooled over rows as AI4Code's metric pools them.
- mean_spearman_orderings: the mean of scipy.stats.spearmanr per row.
- weighted_auc: sklearn.metrics.roc_curve, the band edges inserted into the curve by linear
  interpolation, sklearn.metrics.auc per band; with one band [0, 1] it is roc_auc_score.
- sequence_edit_distance: Levenshtein.distance over token lists.
- bias_auc: sklearn.metrics.roc_auc_score on the subgroup, BPSN and BNSP subsets.
- haversine_p50_p95: numpy.quantile of NumPy haversine distances per trip.
- hierarchical_macro_recall: sklearn.metrics.recall_score(average="macro") per component.
- lwlrap: sklearn.metrics.label_ranking_average_precision_score weighted by label counts.
- mean_angular_error: NumPy's arccos of the clipped scalar product.
- span_micro_f1: sklearn.metrics.f1_score over per-character indicator arrays.
- mask_dice_hausdorff: NumPy Dice per row (both-empty rows left out) and
  scipy.spatial.distance.directed_hausdorff both ways between the unit-cube coordinates of
  each volume's voxels (every organ of a slice joined), divided by the cube's diagonal; masks
  decoded row by row, as UW-Madison encodes them.
"""

import json
import math
import os

import Levenshtein
import numpy as np
import scipy
import scipy.spatial.distance
import scipy.stats
import sklearn
from sklearn import metrics

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GradingTests", "Vectors")
GENERATOR = (f"scripts/competition_metric_vectors.py with scikit-learn {sklearn.__version__}, "
             f"scipy {scipy.__version__}, numpy {np.__version__}, "
             f"Levenshtein {Levenshtein.__version__}")
rng = np.random.default_rng(20261130)


def text(x):
    if isinstance(x, str):
        return x
    if isinstance(x, (bool, np.bool_)):
        return "1" if x else "0"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return repr(float(x))


class Writer:
    def __init__(self, metric):
        self.metric = metric
        self.cases = []

    def add(self, name, truth, predicted, compute, params=None):
        """truth / predicted: dicts of column name -> list of values, in column order."""
        try:
            with np.errstate(all="ignore"):
                value = float(compute())
            error = not math.isfinite(value)
        except (ValueError, ZeroDivisionError):
            value, error = None, True
        self.cases.append({
            "name": name,
            "params": params or {},
            "truth": [[text(v) for v in col] for col in truth.values()],
            "truth_columns": list(truth.keys()),
            "predicted": [[text(v) for v in col] for col in predicted.values()],
            "predicted_columns": list(predicted.keys()),
            "classes": None,
            "expected": None if error else value,
            "error": error,
        })

    def write(self):
        with open(os.path.join(OUT, self.metric + ".json"), "w") as f:
            json.dump({"metric": self.metric, "generator": GENERATOR, "cases": self.cases}, f,
                      separators=(",", ":"))
            f.write("\n")


def permutation_rows(n_rows, max_items, tokens):
    truth, predicted = [], []
    for _ in range(n_rows):
        n = int(rng.integers(1, max_items + 1))
        items = tokens(n)
        truth.append(list(items))
        p = list(items)
        if rng.random() < 0.8:
            rng.shuffle(p)
        predicted.append(p)
    return truth, predicted


def kendall_tau_orderings():
    w = Writer("kendall_tau_orderings")
    hexes = lambda n: [f"{x:08x}" for x in rng.choice(2**32, n, replace=False)]
    for rows, items in [(1, 2), (3, 5), (20, 12), (60, 40)]:
        t, p = permutation_rows(rows, items, hexes)

        def ref(t=t, p=p):
            inversions, pairs = 0.0, 0
            for gt, pr in zip(t, p):
                n = len(gt)
                pairs += n * (n - 1)
                if n >= 2:
                    tau = scipy.stats.kendalltau([gt.index(x) for x in pr], range(n)).statistic
                    inversions += (1 - tau) * n * (n - 1) / 4
            return 1 - 4 * inversions / pairs
        w.add(f"random-{rows}x{items}", {"cell_order": [" ".join(r) for r in t]},
              {"cell_order": [" ".join(r) for r in p]}, ref)
    t = [["a", "b", "c", "d"]]
    w.add("reversed", {"cell_order": ["a b c d"]}, {"cell_order": ["d c b a"]}, lambda: -1.0)
    w.add("single-items", {"cell_order": ["a", "b"]}, {"cell_order": ["a", "b"]},
          lambda: float("nan"))
    w.write()


def mean_spearman_orderings():
    w = Writer("mean_spearman_orderings")
    days = lambda n: [int(x) for x in rng.permutation(np.arange(1, n + 1))]
    for rows, items in [(1, 5), (4, 5), (30, 5), (10, 9)]:
        t, p = permutation_rows(rows, items, lambda n: days(max(n, 2)))
        w.add(f"random-{rows}x{items}", {"day": [" ".join(map(str, r)) for r in t]},
              {"day": [" ".join(map(str, r)) for r in p]},
              lambda t=t, p=p: np.mean([scipy.stats.spearmanr(a, b).statistic
                                        for a, b in zip(t, p)]))
    w.add("one-item", {"day": ["1"]}, {"day": ["1"]}, lambda: float("nan"))
    w.write()


def insert_edges(fpr, tpr, edges):
    f, t = list(fpr), list(tpr)
    for edge in edges:
        if edge in t:
            continue
        for i, v in enumerate(t):
            if v > edge:
                f.insert(i, f[i - 1] + (f[i] - f[i - 1]) * (edge - t[i - 1]) / (t[i] - t[i - 1]))
                t.insert(i, edge)
                break
    return np.array(f), np.array(t)


def banded_auc(y, s, edges, weights):
    fpr, tpr, _ = metrics.roc_curve(y, s, drop_intermediate=False)
    fpr, tpr = insert_edges(fpr, tpr, edges)
    total = 0.0
    for k, weight in enumerate(weights):
        lo, hi = edges[k], edges[k + 1]
        mask = (tpr >= lo) & (tpr <= hi)
        xs = np.concatenate([fpr[mask], [1.0]])
        ys = np.concatenate([tpr[mask], [hi]]) - lo
        total += weight * metrics.auc(xs, ys)
    return total / np.dot(np.diff(edges), weights)


def weighted_auc():
    w = Writer("weighted_auc")
    configs = [("alaska", [0, 0.4, 1], [2, 1]),
               ("flavours", [0, 0.2, 0.4, 0.6, 0.8, 1], [2, 1.5, 1, 0.5, 0]),
               ("plain", [0, 1], [1])]
    for label, edges, weights in configs:
        params = {"tpr_bands": [text(e) for e in edges], "weights": [text(x) for x in weights]}
        for n in [2, 7, 50, 400]:
            y = [int(x) for x in rng.integers(0, 2, n)]
            y[0], y[-1] = 0, 1
            s = [round(float(x), 2) for x in rng.random(n) + 0.3 * np.array(y)]  # ties
            w.add(f"{label}-random-{n}", {"Label": y}, {"Label": s},
                  lambda y=y, s=s, e=edges, k=weights: banded_auc(y, s, e, k), params)
            if label == "plain":
                w.add(f"plain-is-roc-auc-{n}", {"Label": y}, {"Label": s},
                      lambda y=y, s=s: metrics.roc_auc_score(y, s), params)
        y = [0, 0, 1, 1]
        w.add(f"{label}-perfect", {"Label": y}, {"Label": [-3, -1, 5, 9]}, lambda: 1.0, params)
        w.add(f"{label}-one-class", {"Label": [1, 1, 1]}, {"Label": [0.2, 0.4, 0.6]},
              lambda: float("nan"), params)
    # The row filter: only rows whose min_ANNmuon is above 0.4 count.
    n = 300
    y = [int(x) for x in rng.integers(0, 2, n)]
    s = [float(x) for x in rng.random(n) + 0.2 * np.array(y)]
    m = [round(float(x), 3) for x in rng.random(n)]
    keep = [i for i in range(n) if m[i] > 0.4]
    edges, weights = [0, 0.2, 0.4, 0.6, 0.8, 1], [2, 1.5, 1, 0.5, 0]
    w.add("flavours-filtered", {"signal": y, "min_ANNmuon": m}, {"signal": s},
          lambda: banded_auc([y[i] for i in keep], [s[i] for i in keep], edges, weights),
          {"tpr_bands": [text(e) for e in edges], "weights": [text(x) for x in weights],
           "filter_column": "min_ANNmuon", "filter_above": "0.4"})
    w.write()


def sequence_edit_distance():
    w = Writer("sequence_edit_distance")
    for rows in [1, 5, 40]:
        t = [[int(x) for x in rng.integers(1, 21, rng.integers(0, 12))] for _ in range(rows)]
        p = [[int(x) for x in rng.integers(1, 21, rng.integers(0, 12))] for _ in range(rows)]
        t[0] = t[0] or [3]

        def ref(t=t, p=p):
            return sum(Levenshtein.distance(a, b) for a, b in zip(t, p)) / sum(map(len, t))
        w.add(f"random-{rows}", {"Sequence": [" ".join(map(str, r)) for r in t]},
              {"Sequence": [" ".join(map(str, r)) for r in p]}, ref)
    w.add("no-true-gesture", {"Sequence": [""]}, {"Sequence": ["1 2"]}, lambda: float("nan"))
    w.write()


IDENTITIES = ["male", "female", "black"]


def bias_auc_reference(y, s, groups, p=-5):
    y, s = np.array(y) >= 0.5, np.array(s)
    overall = metrics.roc_auc_score(y, s)
    per = [[], [], []]
    for g in groups:
        g = np.array(g) >= 0.5
        for k, mask in enumerate([g, (g & ~y) | (~g & y), (g & y) | (~g & ~y)]):
            per[k].append(metrics.roc_auc_score(y[mask], s[mask]))
    means = [np.power(np.mean(np.power(a, p)), 1 / p) for a in per]
    return 0.25 * overall + 0.25 * sum(means)


def bias_auc():
    w = Writer("bias_auc")
    params = {"subgroups": IDENTITIES}
    for n in [40, 200, 1000]:
        y = [round(float(x), 2) for x in rng.random(n)]
        s = [round(float(x), 3) for x in 0.5 * rng.random(n) + 0.5 * np.array(y)]
        groups = [[round(float(x), 1) for x in rng.random(n) ** 2] for _ in IDENTITIES]
        truth = {"target": y}
        truth.update({name: g for name, g in zip(IDENTITIES, groups)})
        w.add(f"random-{n}", truth, {"target": s},
              lambda y=y, s=s, g=groups: bias_auc_reference(y, s, g), params)
    w.add("power-minus-two", truth, {"target": s},
          lambda: bias_auc_reference(y, s, groups, p=-2), {"subgroups": IDENTITIES, "power": "-2"})
    n = 30
    y = [1.0] * 10 + [0.0] * 20
    empty = [0.0] * n
    truth = {"target": y, "male": empty, "female": [1.0] * n, "black": [1.0] * n}
    w.add("empty-subgroup", truth, {"target": list(rng.random(n))}, lambda: float("nan"),
          params)
    w.write()


def haversine_reference(lat1, lon1, lat2, lon2, trips):
    lat1, lon1, lat2, lon2 = map(np.deg2rad, map(np.array, [lat1, lon1, lat2, lon2]))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    d = 2 * 6_371_000 * np.arcsin(np.sqrt(a))
    trips = np.array(trips)
    return np.mean([np.mean([np.quantile(d[trips == t], 0.5), np.quantile(d[trips == t], 0.95)])
                    for t in np.unique(trips)])


def haversine_p50_p95():
    w = Writer("haversine_p50_p95")
    params = {"group_column": "tripId"}
    for n, trips in [(1, 1), (9, 2), (200, 5)]:
        lat = list(37 + rng.random(n))
        lon = list(-122 + rng.random(n))
        plat = [x + float(rng.normal(0, 1e-4)) for x in lat]
        plon = [x + float(rng.normal(0, 1e-4)) for x in lon]
        trip = [f"2021-08-{i % trips:02d}/Pixel4" for i in range(n)]
        w.add(f"random-{n}", {"LatitudeDegrees": lat, "LongitudeDegrees": lon, "tripId": trip},
              {"LatitudeDegrees": plat, "LongitudeDegrees": plon},
              lambda a=lat, b=lon, c=plat, d=plon, t=trip: haversine_reference(a, b, c, d, t),
              params)
    w.add("antipodes", {"LatitudeDegrees": [0], "LongitudeDegrees": [0], "tripId": ["x"]},
          {"LatitudeDegrees": [0], "LongitudeDegrees": [180]},
          lambda: haversine_reference([0], [0], [0], [180], ["x"]), params)
    w.write()


def hierarchical_macro_recall():
    w = Writer("hierarchical_macro_recall")
    comps = {"grapheme_root": 2, "vowel_diacritic": 1, "consonant_diacritic": 1}
    params = {"group_column": "component", "weights": {k: str(v) for k, v in comps.items()}}
    for n in [3, 30, 300]:
        rows = [(c, int(rng.integers(0, 6)), int(rng.integers(0, 7))) for _ in range(n)
                for c in comps]

        def ref(rows=rows):
            scores = [metrics.recall_score([r[1] for r in rows if r[0] == c],
                                           [r[2] for r in rows if r[0] == c],
                                           average="macro", zero_division=0) for c in comps]
            return np.average(scores, weights=list(comps.values()))
        w.add(f"random-{n}", {"target": [r[1] for r in rows], "component": [r[0] for r in rows]},
              {"target": [r[2] for r in rows]}, ref, params)
    w.write()


def lwlrap():
    w = Writer("lwlrap")
    for n, classes in [(1, 3), (10, 5), (80, 12)]:
        truth = (rng.random((n, classes)) < 0.25).astype(int)
        truth[0, 0] = 1
        scores = np.round(rng.random((n, classes)), 1)  # ties

        def ref(t=truth, s=scores):
            weight = t.sum(axis=1)
            keep = weight > 0
            return metrics.label_ranking_average_precision_score(
                t[keep] > 0, s[keep], sample_weight=weight[keep])
        names = [f"class_{k}" for k in range(classes)]
        w.add(f"random-{n}x{classes}", {c: list(truth[:, k]) for k, c in enumerate(names)},
              {c: list(scores[:, k]) for k, c in enumerate(names)}, ref)
    w.add("no-label", {"a": [0], "b": [0]}, {"a": [0.1], "b": [0.2]}, lambda: float("nan"))
    w.write()


def mean_angular_error():
    w = Writer("mean_angular_error")
    for n in [1, 10, 500]:
        az, zen = rng.random(n) * 2 * np.pi, rng.random(n) * np.pi
        paz, pzen = rng.random(n) * 2 * np.pi, rng.random(n) * np.pi

        def ref(a1=az, z1=zen, a2=paz, z2=pzen):
            dot = (np.sin(z1) * np.sin(z2) * (np.cos(a1) * np.cos(a2) + np.sin(a1) * np.sin(a2))
                   + np.cos(z1) * np.cos(z2))
            return np.mean(np.abs(np.arccos(np.clip(dot, -1, 1))))
        w.add(f"random-{n}", {"azimuth": list(az), "zenith": list(zen)},
              {"azimuth": list(paz), "zenith": list(pzen)}, ref)
    w.add("identical", {"azimuth": [1.0], "zenith": [0.5]}, {"azimuth": [1.0], "zenith": [0.5]},
          lambda: 0.0)
    w.write()


def span_micro_f1():
    w = Writer("span_micro_f1")

    def spans(length):
        out = []
        for _ in range(int(rng.integers(0, 3))):
            a = int(rng.integers(0, length - 1))
            out.append((a, int(rng.integers(a, length))))
        return out

    for n in [1, 10, 100]:
        length = 60
        t = [spans(length) for _ in range(n)]
        p = [spans(length) for _ in range(n)]

        def ref(t=t, p=p):
            def indicator(row):
                v = np.zeros(length, dtype=int)
                for a, b in row:
                    v[a:b] = 1
                return v
            yt = np.concatenate([indicator(r) for r in t])
            yp = np.concatenate([indicator(r) for r in p])
            return metrics.f1_score(yt, yp, zero_division=1.0)
        as_list = lambda row: "[" + ", ".join(f"'{a} {b}'" for a, b in row) + "]"
        as_text = lambda row: ";".join(f"{a} {b}" for a, b in row)
        w.add(f"random-{n}", {"location": [as_list(r) for r in t]},
              {"location": [as_text(r) for r in p]}, ref)
    w.write()


def mask_dice_hausdorff():
    w = Writer("mask_dice_hausdorff")
    params = {"height_column": "h", "width_column": "w", "group_column": "volume",
              "slice_column": "slice"}

    def encode(mask):
        flat = np.concatenate([[0], mask.reshape(-1).astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(flat))
        return " ".join(f"{a + 1} {b - a}" for a, b in zip(edges[0::2], edges[1::2]))

    def random_mask(h, wd, density):
        if rng.random() < 0.25:
            return np.zeros((h, wd), dtype=bool)
        m = np.zeros((h, wd), dtype=bool)
        y, x = int(rng.integers(0, h)), int(rng.integers(0, wd))
        dy, dx = int(rng.integers(1, h + 1)), int(rng.integers(1, wd + 1))
        m[y:y + dy, x:x + dx] = True
        return m & (rng.random((h, wd)) < density)

    for name, volumes, slices, organs in [("one-volume", 1, 3, 2), ("three-volumes", 3, 5, 3),
                                          ("tall", 2, 12, 1)]:
        rows = []  # (volume, slice, organ, h, w, truth, predicted)
        for v in range(volumes):
            h, wd = int(rng.integers(3, 9)), int(rng.integers(3, 9))
            for z in range(slices):
                for o in range(organs):
                    t = random_mask(h, wd, 0.8)
                    p = t.copy() if rng.random() < 0.3 else random_mask(h, wd, 0.7)
                    rows.append((f"case{v}_day{v + 1}", z + 1, o, h, wd, t, p))
        order = rng.permutation(len(rows))
        rows = [rows[i] for i in order]

        def ref(rows=rows):
            dices = []
            for _, _, _, _, _, t, p in rows:
                if t.sum() + p.sum() > 0:
                    dices.append(2 * (t & p).sum() / (t.sum() + p.sum()))
            distances = []
            for volume in sorted({r[0] for r in rows}):
                members = sorted((r for r in rows if r[0] == volume), key=lambda r: r[1])
                zs = sorted({r[1] for r in members})
                h, wd = members[0][3], members[0][4]
                tv = np.zeros((len(zs), h, wd), dtype=bool)
                pv = np.zeros((len(zs), h, wd), dtype=bool)
                for r in members:
                    tv[zs.index(r[1])] |= r[5]
                    pv[zs.index(r[1])] |= r[6]
                if not tv.any() and not pv.any():
                    continue
                if not tv.any() or not pv.any():
                    distances.append(1.0)
                    continue
                a = np.argwhere(tv) / tv.shape
                b = np.argwhere(pv) / pv.shape
                d = max(scipy.spatial.distance.directed_hausdorff(a, b)[0],
                        scipy.spatial.distance.directed_hausdorff(b, a)[0])
                distances.append(d / np.sqrt(3))
            if not dices or not distances:
                raise ValueError("undefined")
            return 0.4 * np.mean(dices) + 0.6 * (1 - np.mean(distances))

        w.add(name,
              {"mask": [encode(r[5]) for r in rows], "h": [r[3] for r in rows],
               "w": [r[4] for r in rows], "volume": [r[0] for r in rows],
               "slice": [r[1] for r in rows]},
              {"mask": [encode(r[6]) for r in rows]}, ref, params)
    empty = np.zeros((2, 2), dtype=bool)
    w.add("all-empty", {"mask": ["", ""], "h": [2, 2], "w": [2, 2], "volume": ["a", "a"],
                        "slice": [1, 2]}, {"mask": ["", ""]},
          lambda: (_ for _ in ()).throw(ValueError("undefined")), params)
    del empty
    w.write()


for make in [kendall_tau_orderings, mean_spearman_orderings, weighted_auc,
             sequence_edit_distance, bias_auc, haversine_p50_p95, hierarchical_macro_recall,
             lwlrap, mean_angular_error, span_micro_f1, mask_dice_hausdorff]:
    make()
