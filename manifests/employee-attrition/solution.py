"""Reference solution for employee-attrition (ROC-AUC; probability of Attrition = "Yes").

Logistic regression on one-hot categories and standardized numbers: on ~1,000 rows a
regularized linear model ranks better than trees.
Reads only $DOJO_DATA (the task's public/) and writes $DOJO_OUTPUT/submission.csv.
"""

import os
from pathlib import Path

import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

DATA = Path(os.environ.get("DOJO_DATA", "/data"))
OUT = Path(os.environ.get("DOJO_OUTPUT", "/workspace/output"))
POSITIVE = "Yes"


def main():
    train = pd.read_csv(DATA / "train.csv", encoding="utf-8-sig")
    test = pd.read_csv(DATA / "test.csv", encoding="utf-8-sig")
    id_col, target = pd.read_csv(DATA / "sample_submission.csv", encoding="utf-8-sig").columns[:2]
    features = [c for c in test.columns if c != id_col and train[c].nunique() > 1]
    numeric = [c for c in features if train[c].dtype.kind in "biuf"]
    text = [c for c in features if c not in numeric]

    model = make_pipeline(
        make_column_transformer(
            (StandardScaler(), numeric),
            (OneHotEncoder(handle_unknown="ignore"), text),
        ),
        LogisticRegression(C=0.3, max_iter=2000),
    )
    model.fit(train[features], (train[target] == POSITIVE).astype(int))
    probability = model.predict_proba(test[features])[:, 1]

    OUT.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({id_col: test[id_col], target: probability}).to_csv(OUT / "submission.csv", index=False)


if __name__ == "__main__":
    main()
