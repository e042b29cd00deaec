"""Reference solution for concrete-strength (MAE on compressive_strength).

Gradient boosting on the mix proportions plus the water/cement ratio and log(age), the two
quantities concrete engineers reason with.
Reads only $DOJO_DATA (the task's public/) and writes $DOJO_OUTPUT/submission.csv.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

DATA = Path(os.environ.get("DOJO_DATA", "/data"))
OUT = Path(os.environ.get("DOJO_OUTPUT", "/workspace/output"))


def features(df, id_col):
    x = df.drop(columns=[id_col]).copy()
    x["water_cement"] = x["water"] / x["cement"]
    x["binder"] = x["cement"] + x["blast_furnace_slag"] + x["fly_ash"]
    x["water_binder"] = x["water"] / x["binder"]
    x["log_age"] = np.log1p(x["age"])
    return x


def main():
    train = pd.read_csv(DATA / "train.csv", encoding="utf-8-sig")
    test = pd.read_csv(DATA / "test.csv", encoding="utf-8-sig")
    id_col, target = pd.read_csv(DATA / "sample_submission.csv", encoding="utf-8-sig").columns[:2]

    x_train = features(train.drop(columns=[target]), id_col)
    model = HistGradientBoostingRegressor(
        loss="absolute_error", max_iter=1500, learning_rate=0.05, max_leaf_nodes=15,
        min_samples_leaf=5, random_state=0,
    )
    model.fit(x_train, train[target])
    prediction = model.predict(features(test, id_col)[x_train.columns])

    OUT.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({id_col: test[id_col], target: prediction}).to_csv(OUT / "submission.csv", index=False)


if __name__ == "__main__":
    main()
