"""Reference solution for olive-oil-regions (macro F1 of area).

Multinomial logistic regression on the standardized fatty-acid shares (and their log-ratios to
oleic acid, the dominant one): the regions separate almost linearly in composition space.
Reads only $DOJO_DATA (the task's public/) and writes $DOJO_OUTPUT/submission.csv.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DATA = Path(os.environ.get("DOJO_DATA", "/data"))
OUT = Path(os.environ.get("DOJO_OUTPUT", "/workspace/output"))


def features(df, columns):
    x = df[columns].astype(float).copy()
    for c in columns:
        if c != "oleic":
            x["log_" + c] = np.log((df[c] + 1.0) / (df["oleic"] + 1.0))
    return x


def main():
    train = pd.read_csv(DATA / "train.csv", encoding="utf-8-sig")
    test = pd.read_csv(DATA / "test.csv", encoding="utf-8-sig")
    id_col, target = pd.read_csv(DATA / "sample_submission.csv", encoding="utf-8-sig").columns[:2]
    columns = [c for c in test.columns if c != id_col]

    model = make_pipeline(
        StandardScaler(), LogisticRegression(C=10.0, max_iter=5000, class_weight="balanced")
    )
    model.fit(features(train, columns), train[target])
    labels = model.predict(features(test, columns))

    OUT.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({id_col: test[id_col], target: labels}).to_csv(OUT / "submission.csv", index=False)


if __name__ == "__main__":
    main()
