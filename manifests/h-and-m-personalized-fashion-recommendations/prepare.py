"""Split for h-and-m-personalized-fashion-recommendations: the answer is each customer's purchases in the last week.

No row split fits: the transactions of the final seven days (dates on or after the latest
date minus 7 days) are held out, and a customer's answer is the space-separated list of the
articles they bought then. Dojo runs this as `python3 prepare.py RAW OUT` with RAW read-only;
it writes OUT/public/ and OUT/private/answers.csv, and Dojo then checksums and checks the
result like any declarative split. Deterministic: no randomness; files are written in archive
order, customers in order of first appearance in the held-out week.
"""

import csv
import datetime
import os
import shutil
import sys

from dojo_split import find, place  # Dojo\'s script library, on the import path in the sandbox

DAYS = 7  # MLE-bench holds out the last seven days
K = 12  # the sample submission lists the twelve best-selling articles before the cut


def main(raw: str, out: str) -> None:
    path = find(raw, "transactions_train.csv")
    latest = ""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        day = header.index("t_dat")
        for row in reader:
            latest = max(latest, row[day])
    cut = (datetime.date.fromisoformat(latest) - datetime.timedelta(days=DAYS)).isoformat()

    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    customer, article = header.index("customer_id"), header.index("article_id")
    bought = {}
    sales = {}
    with open(path, newline="", encoding="utf-8") as f, open(
        os.path.join(public, "transactions_train.csv"), "w", newline="", encoding="utf-8"
    ) as ftr:
        reader = csv.reader(f)
        next(reader)
        w = csv.writer(ftr, lineterminator="\n")
        w.writerow(header)
        for row in reader:
            if row[day] >= cut:
                bought.setdefault(row[customer], []).append(row[article])
            else:
                w.writerow(row)
                sales[row[article]] = sales.get(row[article], 0) + 1
    top = " ".join(a for a, _ in sorted(sales.items(), key=lambda kv: (-kv[1], kv[0]))[:K])
    with open(os.path.join(private, "answers.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer_id", "prediction"])
        w.writerows([c, " ".join(a)] for c, a in bought.items())
    with open(os.path.join(public, "sample_submission.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer_id", "prediction"])
        w.writerows([c, top] for c in bought)
    for name in ("articles.csv", "customers.csv"):
        place(find(raw, name), os.path.join(public, name))
    images = os.path.join(os.path.dirname(find(raw, "articles.csv")), "images")
    if os.path.isdir(images):
        shutil.copytree(images, os.path.join(public, "images"), copy_function=place)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: prepare.py RAW_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
