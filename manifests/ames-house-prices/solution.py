"""Reference solution for ames-house-prices (RMSLE on Sale_Price).

Gradient boosting on log1p(price): the log target makes squared error match the metric.
Reads only $DOJO_DATA (the task's public/) and writes $DOJO_OUTPUT/submission.csv.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

DATA = Path(os.environ.get("DOJO_DATA", "/data"))
OUT = Path(os.environ.get("DOJO_OUTPUT", "/workspace/output"))


def encode(train, test, features):
    """Integer-codes text columns with train's categories (unseen or missing -> NaN)."""
    categorical = []
    for c in features:
        if train[c].dtype.kind in "biuf":
            categorical.append(False)
            continue
        cats = pd.Index(train[c].dropna().unique())
        for df in (train, test):
            codes = pd.Categorical(df[c], categories=cats).codes.astype(float)
            df[c] = np.where(codes < 0, np.nan, codes)
        categorical.append(len(cats) < 250)
    return categorical


def main():
    train = pd.read_csv(DATA / "train.csv", encoding="utf-8-sig")
    test = pd.read_csv(DATA / "test.csv", encoding="utf-8-sig")
    id_col, target = pd.read_csv(DATA / "sample_submission.csv", encoding="utf-8-sig").columns[:2]
    features = [c for c in test.columns if c != id_col]
    categorical = encode(train, test, features)

    model = HistGradientBoostingRegressor(
        max_iter=400, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=10,
        l2_regularization=1.0, categorical_features=categorical, random_state=0,
    )
    model.fit(train[features], np.log1p(train[target]))
    prediction = np.expm1(model.predict(test[features]))

    OUT.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({id_col: test[id_col], target: prediction}).to_csv(OUT / "submission.csv", index=False)


if __name__ == "__main__":
    main()
