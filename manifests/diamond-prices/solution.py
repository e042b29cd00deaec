"""Reference solution for diamond-prices (RMSE on price).

Gradient boosting on log(price) with cut, color and clarity coded in their quality order.
Reads only $DOJO_DATA (the task's public/) and writes $DOJO_OUTPUT/submission.csv.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

DATA = Path(os.environ.get("DOJO_DATA", "/data"))
OUT = Path(os.environ.get("DOJO_OUTPUT", "/workspace/output"))
ORDER = {
    "cut": ["Fair", "Good", "Very Good", "Premium", "Ideal"],
    "color": ["J", "I", "H", "G", "F", "E", "D"],
    "clarity": ["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"],
}


def features(df, id_col):
    x = df.drop(columns=[id_col]).copy()
    for column, levels in ORDER.items():
        codes = pd.Categorical(x[column], categories=levels, ordered=True).codes.astype(float)
        x[column] = np.where(codes < 0, np.nan, codes)
    x["volume"] = x["x"] * x["y"] * x["z"]
    return x


def main():
    train = pd.read_csv(DATA / "train.csv", encoding="utf-8-sig")
    test = pd.read_csv(DATA / "test.csv", encoding="utf-8-sig")
    id_col, target = pd.read_csv(DATA / "sample_submission.csv", encoding="utf-8-sig").columns[:2]

    x_train = features(train.drop(columns=[target]), id_col)
    model = HistGradientBoostingRegressor(
        max_iter=600, learning_rate=0.08, max_leaf_nodes=63, random_state=0
    )
    model.fit(x_train, np.log(train[target]))
    prediction = np.exp(model.predict(features(test, id_col)[x_train.columns]))

    OUT.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({id_col: test[id_col], target: prediction}).to_csv(OUT / "submission.csv", index=False)


if __name__ == "__main__":
    main()
