"""Dojo's library for bespoke split scripts (`split.strategy: script`): find a file or folder
in the unpacked archive, place a file (hard link, else copy; never a symbolic link), read a
column, write a small CSV.

Dojo ships this module and puts it on the script's import path inside the sandbox
(`from dojo_split import place`); it is not a split engine (splitting is the Swift engine's
job, declared in the manifest). Its text is part of the version of every script-split task.
"""

import csv
import os
import shutil
import sys


def find(raw: str, name: str) -> str:
    """The archive file called `name`: at that path, or the first of that name below RAW."""
    direct = os.path.join(raw, name)
    if os.path.isfile(direct):
        return direct
    for root, dirs, files in sorted(os.walk(raw)):
        dirs.sort()
        if os.path.basename(name) in files:
            return os.path.join(root, os.path.basename(name))
    sys.exit(f"prepare.py: {name} not found under {raw}")


def find_dir(raw: str, name: str) -> str:
    """The folder called `name`: at that path, or the first of that name below RAW."""
    direct = os.path.join(raw, name)
    if os.path.isdir(direct):
        return direct
    for root, dirs, _ in sorted(os.walk(raw)):
        dirs.sort()
        if name in dirs:
            return os.path.join(root, name)
    sys.exit(f"prepare.py: no folder {name} under {raw}")


def place(src: str, dst: str) -> None:
    """A hard link where the file system allows, a copy otherwise (never a symbolic link)."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def column(path: str, name: str) -> list:
    """One column of a UTF-8 CSV file, as text, in file order."""
    with open(path, newline="", encoding="utf-8") as f:
        return [row[name] for row in csv.DictReader(f)]


def write_csv(path: str, header, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
