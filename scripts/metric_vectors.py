#!/usr/bin/env python3
"""Writes Tests/GradingTests/Vectors/<metric>.json: reference values for every catalogue metric
that scikit-learn or SciPy implements, on random and adversarial inputs.

Run with the pinned versions (scripts/requirements-vectors.txt):

    python3 -m venv /tmp/vec && /tmp/vec/bin/pip install -r scripts/requirements-vectors.txt
    /tmp/vec/bin/python scripts/metric_vectors.py

Each file: {"metric", "generator", "cases": [{"name", "params", "truth", "truth_columns",
"predicted", "predicted_columns", "classes", "expected", "error"}]}. Columns are lists of
strings exactly as a CSV would hold them; "expected" is null and "error" true when the metric
is undefined there (scikit-learn raises or returns NaN), which Dojo must report as a grader
error.
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn import metrics

warnings.simplefilter("ignore")

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GradingTests", "Vectors")
SIZES = [1, 2, 5, 30, 200]


def num(x):
    """A number as a CSV field: integers plainly, floats by shortest round-trip repr."""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return repr(float(x))


class Writer:
    def __init__(self, metric):
        self.metric = metric
        self.cases = []

    def add(self, name, truth, predicted, compute, params=None, truth_columns=None,
            predicted_columns=None, classes=None):
        """truth/predicted: lists of columns (each a list of python values)."""
        try:
            with np.errstate(all="ignore"):
                value = float(compute())
            error = not math.isfinite(value)
        except (ValueError, ZeroDivisionError):
            value, error = None, True
        if error:
            value = None
        self.cases.append({
            "name": name,
            "params": params or {},
            "truth": [[v if isinstance(v, str) else num(v) for v in col] for col in truth],
            "truth_columns": truth_columns or ["target"],
            "predicted": [[v if isinstance(v, str) else num(v) for v in col] for col in predicted],
            "predicted_columns": predicted_columns or ["target"],
            "classes": classes,
            "expected": value,
            "error": error,
        })

    def write(self, file=None):
        path = os.path.join(OUT, (file or self.metric.replace("@", "_at_")) + ".json")
        with open(path, "w") as f:
            json.dump({"metric": self.metric, "generator": GENERATOR, "cases": self.cases}, f,
                      separators=(",", ":"))
            f.write("\n")


GENERATOR = (f"scripts/metric_vectors.py with scikit-learn {sklearn.__version__}, "
             f"scipy {scipy.__version__}, numpy {np.__version__}")

rng = np.random.default_rng(20240501)


def rounded(a, digits=6):
    return [round(float(x), digits) for x in a]


# ---- label metrics ------------------------------------------------------------------------

LABEL_SETS = {
    "int": [0, 1, 2],
    "str": ["cat", "dog", "eel"],
    "binary_int": [0, 1],
    "binary_str": ["no", "yes"],
}


def label_cases(w, fn, binary_only=False, multiclass_only=False, positive_param=False):
    for kind, labels in LABEL_SETS.items():
        is_binary = len(labels) == 2
        if binary_only and not is_binary:
            continue
        if multiclass_only and is_binary:
            continue
        for n in SIZES:
            t = list(rng.choice(labels, n))
            p = list(rng.choice(labels, n))
            t = [x.item() if hasattr(x, "item") else x for x in t]
            p = [x.item() if hasattr(x, "item") else x for x in p]
            params = {}
            kw = {}
            if positive_param and is_binary:
                params = {"positive": str(labels[1])}
                kw = {"pos_label": labels[1]}
            w.add(f"{kind}-random-{n}", [t], [p], lambda t=t, p=p, kw=kw: fn(t, p, **kw),
                  params=params)
        # adversarial: constant predictions, perfect, one class in truth, classes on one side
        n = 40
        t = [x.item() if hasattr(x, "item") else x for x in rng.choice(labels, n)]
        const = [labels[0]] * n
        params, kw = ({}, {})
        if positive_param and is_binary:
            params, kw = {"positive": str(labels[1])}, {"pos_label": labels[1]}
        w.add(f"{kind}-constant-prediction", [t], [const],
              lambda t=t, c=const, kw=kw: fn(t, c, **kw), params=params)
        w.add(f"{kind}-perfect", [t], [t], lambda t=t, kw=kw: fn(t, t, **kw), params=params)
        one = [labels[-1]] * n
        p = [x.item() if hasattr(x, "item") else x for x in rng.choice(labels, n)]
        w.add(f"{kind}-one-class-in-truth", [one], [p], lambda o=one, p=p, kw=kw: fn(o, p, **kw),
              params=params)
        w.add(f"{kind}-one-class-everywhere", [one], [one],
              lambda o=one, kw=kw: fn(o, o, **kw), params=params)
        if not is_binary:
            t = [labels[i % 2] for i in range(n)]              # truth lacks labels[2]
            p = [labels[(i % 3 + 1) % 3] for i in range(n)]    # prediction has all
            w.add(f"{kind}-class-missing-from-truth", [t], [p], lambda t=t, p=p: fn(t, p))
            t2 = [labels[i % 3] for i in range(n)]
            p2 = [labels[1 + i % 2] for i in range(n)]         # prediction lacks labels[0]
            w.add(f"{kind}-class-missing-from-prediction", [t2], [p2],
                  lambda t=t2, p=p2: fn(t, p))


def write_label_metrics():
    plain = {
        "accuracy": metrics.accuracy_score,
        "balanced_accuracy": metrics.balanced_accuracy_score,
        "mcc": metrics.matthews_corrcoef,
        "qwk": lambda t, p: metrics.cohen_kappa_score(t, p, weights="quadratic"),
    }
    for name, fn in plain.items():
        w = Writer(name)
        label_cases(w, fn)
        if name == "qwk":
            # ordinal ratings with gaps and numeric order that differs from text order
            for n in SIZES:
                t = [int(x) for x in rng.choice([1, 2, 5, 10], n)]
                p = [int(x) for x in rng.choice([1, 2, 5, 10], n)]
                w.add(f"ratings-with-gaps-{n}", [t], [p], lambda t=t, p=p: fn(t, p))
        w.write()
    for name, average in [("f1_macro", "macro"), ("f1_micro", "micro"),
                          ("f1_weighted", "weighted")]:
        w = Writer(name)
        label_cases(w, lambda t, p, a=average: metrics.f1_score(t, p, average=a, zero_division=0))
        w.write()
    for name, fn in [("f1", metrics.f1_score), ("precision", metrics.precision_score),
                     ("recall", metrics.recall_score)]:
        w = Writer(name)
        label_cases(w, lambda t, p, fn=fn, **kw: fn(t, p, zero_division=0, **kw),
                    binary_only=True, positive_param=True)
        w.write()


# ---- probability metrics ------------------------------------------------------------------

def write_roc_auc():
    w = Writer("roc_auc")
    for kind, labels in [("int", [0, 1]), ("str", ["no", "yes"])]:
        for n in SIZES + [1000]:
            t = [labels[int(x)] for x in rng.integers(0, 2, n)]
            s = rounded(rng.random(n), 3 if n >= 200 else 6)   # 3 digits: many ties
            w.add(f"{kind}-random-{n}", [t], [s], lambda t=t, s=s: metrics.roc_auc_score(t, s))
        n = 60
        t = [labels[int(x)] for x in rng.integers(0, 2, n)]
        w.add(f"{kind}-constant-prediction", [t], [[0.5] * n],
              lambda t=t: metrics.roc_auc_score(t, [0.5] * n))
        s = [float(x) for x in rng.choice([0.0, 0.25, 0.5, 1.0], n)]
        w.add(f"{kind}-heavy-ties", [t], [s], lambda t=t, s=s: metrics.roc_auc_score(t, s))
        one = [labels[1]] * n
        w.add(f"{kind}-one-class", [one], [s], lambda o=one, s=s: metrics.roc_auc_score(o, s))
        zero = [labels[0]] * n
        w.add(f"{kind}-one-class-negative", [zero], [s],
              lambda z=zero, s=s: metrics.roc_auc_score(z, s))
        tt = [labels[1]] * 10 + [labels[0]] * 10
        perfect = [1.0] * 10 + [0.0] * 10
        w.add(f"{kind}-perfect", [tt], [perfect],
              lambda t=tt, p=perfect: metrics.roc_auc_score(t, p))
        w.add(f"{kind}-inverted", [tt], [perfect[::-1]],
              lambda t=tt, p=perfect[::-1]: metrics.roc_auc_score(t, p))
    # multi-label: mean over columns
    n = 100
    cols = ["toxic", "obscene", "threat"]
    truth = [[int(x) for x in rng.integers(0, 2, n)] for _ in cols]
    scores = [rounded(rng.random(n), 2) for _ in cols]
    w.add("columns-mean", truth, scores,
          lambda: float(np.mean([metrics.roc_auc_score(t, s) for t, s in zip(truth, scores)])),
          params={"columns": cols}, truth_columns=cols, predicted_columns=cols)
    w.write()


def clip_binary(p, eps):
    return np.clip(np.asarray(p, dtype=float), eps, 1 - eps)


def write_log_loss():
    w = Writer("log_loss")
    eps = 1e-15
    for kind, labels in [("int", [0, 1]), ("str", ["no", "yes"])]:
        for n in SIZES:
            t = [labels[int(x)] for x in rng.integers(0, 2, n)]
            p = rounded(rng.random(n))
            w.add(f"{kind}-random-{n}", [t], [p],
                  lambda t=t, p=p: metrics.log_loss(t, y_proba=clip_binary(p, eps), labels=labels))
        n = 30
        t = [labels[int(x)] for x in rng.integers(0, 2, n)]
        hard = [float(x) for x in rng.integers(0, 2, n)]   # 0 and 1: the clipping matters
        w.add(f"{kind}-hard-zero-one", [t], [hard],
              lambda t=t, p=hard: metrics.log_loss(t, y_proba=clip_binary(p, eps), labels=labels))
        one = [labels[1]] * n
        p = rounded(rng.random(n))
        w.add(f"{kind}-one-class", [one], [p],
              lambda o=one, p=p: metrics.log_loss(o, y_proba=clip_binary(p, eps), labels=labels),
              params={"positive": str(labels[1])})
        w.add(f"{kind}-constant-half", [t], [[0.5] * n],
              lambda t=t: metrics.log_loss(t, y_proba=[0.5] * n, labels=labels))
    t = [int(x) for x in rng.integers(0, 2, 50)]
    p = rounded(rng.random(50))
    e = 1e-3
    w.add("custom-eps", [t], [p],
          lambda: metrics.log_loss(t, y_proba=clip_binary(p, e), labels=[0, 1]),
          params={"eps": e})
    w.write()


def write_multiclass_log_loss():
    w = Writer("multiclass_log_loss")
    eps = 1e-15

    def reference(t, probs, classes, eps=eps):
        m = np.asarray(probs, dtype=float).T          # rows x classes
        m = m / m.sum(axis=1, keepdims=True)
        m = np.clip(m, eps, 1 - eps)
        return metrics.log_loss(t, y_proba=m, labels=classes)

    for kind, classes in [("str", ["cat", "dog", "eel", "fox"]), ("int", ["0", "1", "2"])]:
        for n in SIZES:
            t = [classes[int(x)] for x in rng.integers(0, len(classes), n)]
            probs = [rounded(rng.random(n)) for _ in classes]   # unnormalised on purpose
            w.add(f"{kind}-random-{n}", [t], probs, lambda t=t, p=probs: reference(t, p, classes),
                  truth_columns=["species"], predicted_columns=classes, classes=classes)
        n = 30
        t = [classes[i % 2] for i in range(n)]     # some classes never occur in the truth
        onehot = [[1.0 if t[i] == c else 0.0 for i in range(n)] for c in classes]
        w.add(f"{kind}-one-hot-perfect", [t], onehot,
              lambda t=t, p=onehot: reference(t, p, classes),
              truth_columns=["species"], predicted_columns=classes, classes=classes)
        wrong = [[1.0 if (t[i] != classes[-1] and c == classes[-1]) or
                  (t[i] == classes[-1] and c == classes[0]) else 0.0 for i in range(n)]
                 for c in classes]
        w.add(f"{kind}-one-hot-wrong", [t], wrong, lambda t=t, p=wrong: reference(t, p, classes),
              truth_columns=["species"], predicted_columns=classes, classes=classes)
        uniform = [[0.2] * n for _ in classes]
        w.add(f"{kind}-uniform-unnormalised", [t], uniform,
              lambda t=t, p=uniform: reference(t, p, classes),
              truth_columns=["species"], predicted_columns=classes, classes=classes)
    w.write()


# ---- regression metrics -------------------------------------------------------------------

def correlation(fn):
    """SciPy returns NaN for a constant side. Dojo scores constant *predictions* 0 (no
    association can be shown; the agent's submission, not the grader, is degenerate) and keeps
    constant *answers* a grader error. Fewer than two rows stay undefined."""
    def wrapped(t, p):
        if len(t) >= 2 and len(set(t)) > 1 and len(set(p)) == 1:
            return 0.0
        return fn(t, p)
    return wrapped


def write_regression():
    fns = {
        "rmse": metrics.root_mean_squared_error,
        "rmsle": metrics.root_mean_squared_log_error,
        "mae": metrics.mean_absolute_error,
        "medae": metrics.median_absolute_error,
        "mape": metrics.mean_absolute_percentage_error,
        "r2": metrics.r2_score,
        "pearson": correlation(lambda t, p: scipy.stats.pearsonr(t, p).statistic),
        "spearman": correlation(lambda t, p: scipy.stats.spearmanr(t, p).statistic),
        "kendall_tau": correlation(lambda t, p: scipy.stats.kendalltau(t, p).statistic),
    }
    for name, fn in fns.items():
        w = Writer(name)
        positive = name == "rmsle"
        sizes = SIZES + ([1000] if name in ("kendall_tau", "spearman", "rmse") else [])
        for n in sizes:
            if positive:
                t = rounded(rng.gamma(2.0, 50.0, n), 3)
                p = rounded(rng.gamma(2.0, 50.0, n), 3)
            else:
                t = rounded(rng.normal(10, 5, n), 4)
                p = rounded(np.asarray(t) * 0.5 + rng.normal(5, 4, n), 4)
            w.add(f"random-{n}", [t], [p], lambda t=t, p=p: fn(t, p))
        n = 50
        t = rounded(rng.gamma(2.0, 10.0, n), 2)
        ints = [int(x) for x in rng.integers(0, 6, n)]
        p_ints = [int(x) for x in rng.integers(0, 6, n)]
        w.add("integer-values-with-ties", [ints], [p_ints], lambda: fn(ints, p_ints))
        w.add("constant-prediction", [t], [[3.0] * n], lambda t=t: fn(t, [3.0] * n))
        w.add("constant-truth", [[7.0] * n], [t], lambda t=t: fn([7.0] * n, t))
        w.add("perfect", [t], [t], lambda t=t: fn(t, t))
        if not positive:
            w.add("zeros-in-truth", [[0.0] * 5 + t[5:]], [t],
                  lambda t=t: fn([0.0] * 5 + t[5:], t))
        w.write()
    # multi-column means, via scikit-learn's per-column functions
    for name, fn in [("mcrmse", metrics.root_mean_squared_error),
                     ("mean_columnwise_rmsle", metrics.root_mean_squared_log_error)]:
        w = Writer(name)
        cols = ["a", "b", "c"]
        for n in SIZES:
            t = [rounded(rng.gamma(2.0, 5.0, n), 3) for _ in cols]
            p = [rounded(rng.gamma(2.0, 5.0, n), 3) for _ in cols]
            w.add(f"random-{n}", t, p,
                  lambda t=t, p=p: float(np.mean([fn(a, b) for a, b in zip(t, p)])),
                  truth_columns=cols, predicted_columns=cols)
        w.write()


# ---- ranking ------------------------------------------------------------------------------

def write_ndcg():
    """Binary relevance; every predicted list holds k distinct items, so no score ties cross
    the cut-off and scikit-learn's ndcg_score is the same quantity as Dojo's."""
    items = [f"i{j}" for j in range(12)]
    for k in (1, 3, 5):
        w = Writer(f"ndcg@{k}")
        for n in SIZES:
            truth, pred = [], []
            for _ in range(n):
                m = int(rng.integers(0, 4))
                truth.append(" ".join(rng.choice(items, m, replace=False)))
                pred.append(" ".join(rng.choice(items, k, replace=False)))

            def reference(truth=truth, pred=pred):
                rel = np.zeros((len(truth), len(items)))
                score = np.zeros((len(truth), len(items)))
                for r, (t, p) in enumerate(zip(truth, pred)):
                    for it in t.split():
                        rel[r, items.index(it)] = 1
                    for pos, it in enumerate(p.split()):
                        score[r, items.index(it)] = k - pos
                if len(truth) == 1:
                    # ndcg_score refuses one sample; it is the per-sample score then.
                    rel = np.vstack([rel, rel])
                    score = np.vstack([score, score])
                return metrics.ndcg_score(rel, score, k=k)

            w.add(f"random-{n}", [truth], [pred], reference, params={"k": k},
                  truth_columns=["items"], predicted_columns=["items"])
        w.write()


# ---- metrics of single competitions ---------------------------------------------------------

def write_competition_metrics():
    """Multi-label F1 (iMet, Plant Pathology, Facebook III; Shopee), column-wise Spearman
    (Google QUEST), row-weighted MAE (bond, Walmart), balanced log loss (ICR) and KL divergence
    (HMS), each through the scikit-learn / SciPy function the benchmark's grader uses."""
    from sklearn.preprocessing import MultiLabelBinarizer
    import scipy.special

    labels = [f"l{j}" for j in range(8)] + ["13", "7"]

    def label_sets(n, most=4, pool=labels):
        return [" ".join(rng.choice(pool, int(rng.integers(0, most)), replace=True))
                for _ in range(n)]

    def micro(truth, pred):
        classes = sorted({x for t in truth for x in t.split()})
        mlb = MultiLabelBinarizer(classes=classes)
        y = mlb.fit_transform([t.split() for t in truth])
        yp = mlb.transform([p.split() for p in pred])
        return metrics.f1_score(y, yp, average="micro")

    def samples(truth, pred):
        classes = sorted({x for t in truth + pred for x in t.split()})
        mlb = MultiLabelBinarizer(classes=classes)
        y = mlb.fit_transform([t.split() for t in truth])
        yp = mlb.transform([p.split() for p in pred])
        return metrics.f1_score(y, yp, average="samples", zero_division=1.0)

    for name, fn in [("multilabel_f1_micro", micro), ("multilabel_f1_samples", samples)]:
        w = Writer(name)
        for n in SIZES:
            t = label_sets(n)
            p = label_sets(n, pool=labels + ["unseen"])
            w.add(f"random-{n}", [t], [p], lambda t=t, p=p: fn(t, p),
                  truth_columns=["tags"], predicted_columns=["tags"])
        t = label_sets(30)
        w.add("perfect", [t], [t], lambda t=t: fn(t, t),
              truth_columns=["tags"], predicted_columns=["tags"])
        dup = ["l1 l1 l2", "l3", ""]
        pred = ["l1 l1", "l3 l3 unseen", "l2"]
        w.add("duplicates-and-unknown-labels", [dup], [pred], lambda: fn(dup, pred),
              truth_columns=["tags"], predicted_columns=["tags"])
        w.write()

    w = Writer("mean_columnwise_spearman")
    cols = ["a", "b", "c"]
    spear = correlation(lambda t, p: scipy.stats.spearmanr(t, p).statistic)
    for n in SIZES:
        t = [rounded(rng.integers(0, 4, n) / 3.0, 6) for _ in cols]
        p = [rounded(rng.random(n), 4) for _ in cols]
        w.add(f"random-with-ties-{n}", t, p,
              lambda t=t, p=p: float(np.mean([spear(a, b) for a, b in zip(t, p)])),
              truth_columns=cols, predicted_columns=cols)
    n = 20
    t = [rounded(rng.random(n), 4) for _ in cols]
    p = [list(t[0]), [0.5] * n, rounded(rng.random(n), 4)]
    w.add("one-constant-prediction-column", t, p,
          lambda t=t, p=p: float(np.mean([spear(a, b) for a, b in zip(t, p)])),
          truth_columns=cols, predicted_columns=cols)
    w.write()

    ww = Writer("mae")  # written to mae_weighted.json beside the unweighted cases
    for n in SIZES:
        t = rounded(rng.normal(100, 10, n), 3)
        p = rounded(rng.normal(100, 10, n), 3)
        wt = rounded(rng.random(n) * 5, 3)
        ww.add(f"random-{n}", [t, wt], [p],
               lambda t=t, p=p, wt=wt: metrics.mean_absolute_error(t, p, sample_weight=wt),
               params={"weight_column": "weight"}, truth_columns=["price", "weight"],
               predicted_columns=["price"])
    hol = [5 if rng.random() < 0.2 else 1 for _ in range(50)]
    t = rounded(rng.gamma(2.0, 1000.0, 50), 2)
    p = rounded(rng.gamma(2.0, 1000.0, 50), 2)
    ww.add("integer-weights", [t, hol], [p],
           lambda: metrics.mean_absolute_error(t, p, sample_weight=hol),
           params={"weight_column": "weight"}, truth_columns=["price", "weight"],
           predicted_columns=["price"])
    ww.add("zero-weights", [t, [0] * 50], [p],
           lambda: metrics.mean_absolute_error(t, p, sample_weight=[0] * 50),
           params={"weight_column": "weight"}, truth_columns=["price", "weight"],
           predicted_columns=["price"])
    ww.write(file="mae_weighted")

    w = Writer("balanced_log_loss")
    eps = 1e-15
    for classes in (["class_0", "class_1"], ["a", "b", "c"]):
        for n in SIZES[1:]:
            t = [classes[int(x)] for x in rng.integers(0, len(classes), n)]
            t[0], t[1] = classes[0], classes[1]
            probs = [rounded(rng.random(n)) for _ in classes]

            def reference(t=t, probs=probs, classes=classes):
                m = np.asarray(probs, dtype=float).T
                m = np.clip(m / m.sum(axis=1, keepdims=True), eps, 1 - eps)
                present = sorted(set(t))
                weights = [1.0 / t.count(x) for x in t]
                # scikit-learn's weighted mean is over the classes present; Dojo's over all
                # classes, an absent class adding 0
                return (metrics.log_loss(t, m, labels=classes, sample_weight=weights)
                        * len(present) / len(classes))

            w.add(f"{len(classes)}-classes-random-{n}", [t], probs, reference,
                  truth_columns=["Class"], predicted_columns=classes, classes=classes)
    w.write()

    w = Writer("kl_divergence")
    cols = ["seizure_vote", "lpd_vote", "gpd_vote"]
    for n in SIZES:
        votes = [[int(x) for x in rng.integers(0, 4, n)] for _ in cols]
        for i in range(n):
            if sum(v[i] for v in votes) == 0:
                votes[0][i] = 1
        raw = rng.random((len(cols), n)) + 1e-3
        raw[0, 0] = 0.0  # clipped to eps
        pred = raw / raw.sum(axis=0)
        pred = [[float(x) for x in row] for row in pred]

        def reference(votes=votes, pred=pred):
            y = np.asarray(votes, dtype=float).T
            y = y / y.sum(axis=1, keepdims=True)
            q = np.clip(np.asarray(pred).T, 1e-15, 1 - 1e-15)
            return scipy.special.rel_entr(y, q).sum(axis=1).mean()

        w.add(f"random-{n}", votes, pred, reference, truth_columns=cols, predicted_columns=cols)
    w.write()


def main():
    os.makedirs(OUT, exist_ok=True)
    write_label_metrics()
    write_roc_auc()
    write_log_loss()
    write_multiclass_log_loss()
    write_regression()
    write_ndcg()
    write_competition_metrics()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)}")
    if total >= 1_000_000:
        sys.exit("vectors exceed 1 MB; shrink the cases")


if __name__ == "__main__":
    main()
