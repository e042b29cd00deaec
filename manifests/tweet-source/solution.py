"""Reference solution for tweet-source (ROC-AUC; probability that source is "Twitter for iPhone").

TF-IDF of the tweet's words and characters plus a few one-hot fields (hour of day, year,
whether it is a reply or a retweet, whether it holds a link or a picture) into one logistic
regression: the phones were used at different times and by different writers.
Reads only $DOJO_DATA (the task's public/) and writes $DOJO_OUTPUT/submission.csv.
"""

import os
from pathlib import Path

import pandas as pd
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

DATA = Path(os.environ.get("DOJO_DATA", "/data"))
OUT = Path(os.environ.get("DOJO_OUTPUT", "/workspace/output"))
POSITIVE = "Twitter for iPhone"


def fields(df):
    when = pd.to_datetime(df["created_at"], utc=True, errors="coerce")
    text = df["text"].fillna("")
    return pd.DataFrame({
        "hour": when.dt.hour.fillna(-1).astype(int).astype(str),
        "year": when.dt.year.fillna(-1).astype(int).astype(str),
        "reply": df["in_reply_to_user_id_str"].notna().astype(str),
        "retweet": df["is_retweet"].astype(str),
        "link": text.str.contains("https?://", regex=True).astype(str),
        "quoted": text.str.startswith('"').astype(str),
    })


def main():
    train = pd.read_csv(DATA / "train.csv", encoding="utf-8-sig", dtype={"id_str": str})
    test = pd.read_csv(DATA / "test.csv", encoding="utf-8-sig", dtype={"id_str": str})
    id_col, target = pd.read_csv(DATA / "sample_submission.csv", encoding="utf-8-sig").columns[:2]

    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=False)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True)
    onehot = OneHotEncoder(handle_unknown="ignore")
    x_train = hstack([
        words.fit_transform(train["text"].fillna("")),
        chars.fit_transform(train["text"].fillna("")),
        onehot.fit_transform(fields(train)),
    ]).tocsr()
    x_test = hstack([
        words.transform(test["text"].fillna("")),
        chars.transform(test["text"].fillna("")),
        onehot.transform(fields(test)),
    ]).tocsr()

    model = LogisticRegression(C=4.0, max_iter=3000)
    model.fit(x_train, (train[target] == POSITIVE).astype(int))
    probability = model.predict_proba(x_test)[:, 1]

    OUT.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({id_col: test[id_col], target: probability}).to_csv(OUT / "submission.csv", index=False)


if __name__ == "__main__":
    main()
