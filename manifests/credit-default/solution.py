"""Reference solution for credit-default (log loss; probability of default = "Yes").

Logistic regression on balance, income and student status: the textbook model for this data.
Reads only $DOJO_DATA (the task's public/) and writes $DOJO_OUTPUT/submission.csv.
"""

import os
from pathlib import Path

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DATA = Path(os.environ.get("DOJO_DATA", "/data"))
OUT = Path(os.environ.get("DOJO_OUTPUT", "/workspace/output"))
POSITIVE = "Yes"


def features(df):
    return pd.DataFrame({
        "balance": df["balance"],
        "income": df["income"],
        "student": (df["student"] == "Yes").astype(float),
    })


def main():
    train = pd.read_csv(DATA / "train.csv", encoding="utf-8-sig")
    test = pd.read_csv(DATA / "test.csv", encoding="utf-8-sig")
    id_col, target = pd.read_csv(DATA / "sample_submission.csv", encoding="utf-8-sig").columns[:2]

    model = make_pipeline(StandardScaler(), LogisticRegression(C=10.0, max_iter=1000))
    model.fit(features(train), (train[target] == POSITIVE).astype(int))
    probability = model.predict_proba(features(test))[:, 1]

    OUT.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({id_col: test[id_col], target: probability}).to_csv(OUT / "submission.csv", index=False)


if __name__ == "__main__":
    main()
