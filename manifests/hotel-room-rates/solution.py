"""Reference solution for hotel-room-rates (R² on avg_price_per_room).

Gradient boosting on the booking's fields plus the arrival date's month, weekday and week of
year (room rates are seasonal); the text columns are coded with train's categories. The test
bookings arrive after the training ones, so the model learns the price's difference from
historical_adr (which follows the trend) and leaves out arrival_date_num (a time index that
trees cannot extrapolate); both choices won on a time-ordered hold-out of the training set.
Reads only $DOJO_DATA (the task's public/) and writes $DOJO_OUTPUT/submission.csv.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

DATA = Path(os.environ.get("DOJO_DATA", "/data"))
OUT = Path(os.environ.get("DOJO_OUTPUT", "/workspace/output"))
DATE = "arrival_date"
BASE = "historical_adr"


def add_date_parts(df):
    when = pd.to_datetime(df[DATE], errors="coerce")
    df["arrival_month"] = when.dt.month
    df["arrival_weekday"] = when.dt.dayofweek
    df["arrival_week"] = when.dt.isocalendar().week.astype(float)
    df["arrival_dayofyear"] = when.dt.dayofyear
    df["nights"] = df["stays_in_weekend_nights"] + df["stays_in_week_nights"]
    return df.drop(columns=[DATE, "arrival_date_num"])


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
    train, test = add_date_parts(train), add_date_parts(test)
    features = [c for c in test.columns if c != id_col]
    categorical = encode(train, test, features)

    model = HistGradientBoostingRegressor(
        max_iter=600, learning_rate=0.05, max_leaf_nodes=31, min_samples_leaf=20,
        categorical_features=categorical, random_state=0,
    )
    model.fit(train[features], train[target] - train[BASE])
    prediction = model.predict(test[features]) + test[BASE]

    OUT.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({id_col: test[id_col], target: prediction}).to_csv(OUT / "submission.csv", index=False)


if __name__ == "__main__":
    main()
