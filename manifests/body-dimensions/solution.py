"""Reference solution for body-dimensions (MCRMSE over wgt and hgt).

Body girths and diameters relate almost linearly to weight and height: one ridge regression
per target on standardized features, with the penalty picked by built-in cross-validation.
Reads only $DOJO_DATA (the task's public/) and writes $DOJO_OUTPUT/submission.csv.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DATA = Path(os.environ.get("DOJO_DATA", "/data"))
OUT = Path(os.environ.get("DOJO_OUTPUT", "/workspace/output"))


def main():
    train = pd.read_csv(DATA / "train.csv", encoding="utf-8-sig")
    test = pd.read_csv(DATA / "test.csv", encoding="utf-8-sig")
    columns = list(pd.read_csv(DATA / "sample_submission.csv", encoding="utf-8-sig").columns)
    id_col, targets = columns[0], columns[1:]
    features = [c for c in test.columns if c != id_col]

    submission = pd.DataFrame({id_col: test[id_col]})
    for target in targets:
        model = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 25)))
        model.fit(train[features], train[target])
        submission[target] = model.predict(test[features])

    OUT.mkdir(parents=True, exist_ok=True)
    submission.to_csv(OUT / "submission.csv", index=False)


if __name__ == "__main__":
    main()
