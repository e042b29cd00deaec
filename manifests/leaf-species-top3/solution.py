"""Reference solution for leaf-species-top3 (MAP@3 of species).

Multinomial logistic regression on standardized shape descriptors (text columns one-hot); the
three most probable species, best first and separated by spaces, are the answer.
Reads only $DOJO_DATA (the task's public/) and writes $DOJO_OUTPUT/submission.csv.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

DATA = Path(os.environ.get("DOJO_DATA", "/data"))
OUT = Path(os.environ.get("DOJO_OUTPUT", "/workspace/output"))
K = 3


def main():
    train = pd.read_csv(DATA / "train.csv", encoding="utf-8-sig")
    test = pd.read_csv(DATA / "test.csv", encoding="utf-8-sig")
    id_col, target = pd.read_csv(DATA / "sample_submission.csv", encoding="utf-8-sig").columns[:2]
    features = [c for c in test.columns if c != id_col]
    numeric = [c for c in features if train[c].dtype.kind in "biuf"]
    text = [c for c in features if c not in numeric]

    model = make_pipeline(
        make_column_transformer(
            (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            (OneHotEncoder(handle_unknown="ignore"), text),
        ),
        LogisticRegression(C=3.0, max_iter=5000),
    )
    model.fit(train[features], train[target])
    probability = model.predict_proba(test[features])
    top = np.argsort(-probability, axis=1, kind="stable")[:, :K]
    answers = [" ".join(model.classes_[row]) for row in top]

    OUT.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({id_col: test[id_col], target: answers}).to_csv(OUT / "submission.csv", index=False)


if __name__ == "__main__":
    main()
