"""Shared fixtures for the split scripts' tests (manifests/<id>/prepare.py).

Each test builds a miniature of the competition's unpacked archive with the `raw` fixture,
then calls `split(<id>)`, which runs the script as Dojo's Preparer does
(Sources/Curation/Preparer.swift, `runScript`): `python prepare.py RAW OUT`, the working
directory OUT, OUT/public/ and OUT/private/ created beforehand, the environment inherited
with Dojo's script library (`dojo_split`, Sources/Curation/ScriptSupport) on PYTHONPATH.
It runs the script twice, with different PYTHONHASHSEED values, and checks what every script
split promises before the test checks what its own manifest promises:

- it exits 0 and writes only OUT/public/ and OUT/private/answers.csv;
- both runs are byte-identical (no dependence on set order or the clock);
- RAW is unchanged (it is the archive as unpacked and recorded; the scripts take it as
  read-only, and a file they hard-link into public/ must not be written through);
- public/ holds no symbolic link (Dojo refuses one as a leak);
- the answers have the manifest's id column and targets, unique and non-empty ids, and rows;
- the sample submission lists exactly the answers' ids, in the same order.

Everything is generated in the test's temporary folder: nothing is read from raw/ or from
outside the repository.
"""

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "manifests"
# The library Dojo mounts at /dojo/python in the sandbox and puts on the import path.
SCRIPT_LIBRARY = REPO / "Sources" / "Curation" / "ScriptSupport"
# A script split on a miniature takes well under a second; this only stops a hang.
TIMEOUT_SECONDS = 60


# --- The manifest -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    """The manifest's `answers:` block: what the answers file must hold."""

    id: str
    targets: list
    classes: list


def _scalar(text: str):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _value(text: str):
    text = text.split(" #")[0].strip()
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [_scalar(part) for part in inner.split(",")] if inner else []
    return _scalar(text)


def manifest_block(competition: str, block: str) -> dict:
    """The `key: value` lines of one top-level block of manifests/<id>/manifest.yaml (the
    subset of YAML the catalogue's manifests use there: scalars and flow lists, which may
    run over several lines)."""
    path = MANIFESTS / competition / "manifest.yaml"
    found, inside, pending = {}, False, ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        # A flow list over several lines (80 class columns) is read as one line.
        if pending:
            pending += " " + line.strip()
            if "]" not in line:
                continue
            line, pending = pending, ""
        elif line.startswith("  ") and "[" in line and "]" not in line.split(" #")[0]:
            pending = line
            continue
        if not line.startswith(" "):
            inside = line.rstrip() == f"{block}:"
            continue
        if inside and line.startswith("  ") and not line.startswith("   "):
            key, sep, rest = line.strip().partition(":")
            if sep and rest.strip():
                found[key] = _value(rest)
    if not found:
        raise AssertionError(f"{path}: no `{block}:` block with values")
    return found


def manifest_answers(competition: str) -> Answers:
    block = manifest_block(competition, "answers")
    targets = block.get("targets")
    assert isinstance(targets, list) and targets, f"{competition}: answers.targets is not a list"
    return Answers(id=block["id"], targets=targets, classes=block.get("classes", []))


# --- Building the raw miniature -------------------------------------------------------------


class Raw:
    """A miniature of an unpacked archive (what Dojo hands a script as RAW)."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, rel: str) -> Path:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def bytes(self, rel: str, data: bytes) -> Path:
        target = self.path(rel)
        target.write_bytes(data)
        return target

    def text(self, rel: str, text: str) -> Path:
        return self.bytes(rel, text.encode("utf-8"))

    def csv(self, rel: str, header, rows) -> Path:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return self.text(rel, buffer.getvalue())

    def json(self, rel: str, value) -> Path:
        return self.text(rel, json.dumps(value))

    def json_lines(self, rel: str, records) -> Path:
        return self.text(rel, "".join(json.dumps(r) + "\n" for r in records))

    def media(self, rel: str) -> Path:
        """A tiny media file whose bytes name it, so a copy can be traced to its source."""
        return self.bytes(rel, b"MEDIA " + rel.encode("utf-8") + b"\n")


def digests(root: Path) -> dict:
    """Every file below `root`: relative path -> SHA-256 of its bytes."""
    files = {}
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in names:
            full = Path(folder) / name
            files[full.relative_to(root).as_posix()] = hashlib.sha256(full.read_bytes()).hexdigest()
    return files


# --- Running the script and reading what it wrote --------------------------------------------


def read_csv(path: Path):
    """(header, rows as dicts) of a UTF-8 CSV file."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [dict(zip(header, row, strict=True)) for row in reader]
    return header, rows


@dataclass
class Prepared:
    """What a script split wrote (the first of the two identical runs)."""

    out: Path
    raw: Path
    answers_spec: Answers
    answers: list  # rows of private/answers.csv, as dicts

    @property
    def public(self) -> Path:
        return self.out / "public"

    def csv(self, rel: str):
        """(header, rows) of a public file."""
        return read_csv(self.public / rel)

    def files(self, rel: str) -> list:
        """Sorted names of the files in a public folder."""
        return sorted(p.name for p in (self.public / rel).iterdir())

    def copied(self, rel: str, source: str = "") -> bool:
        """Whether public/<rel> holds the bytes of RAW/<source> (by default the same path)."""
        return (self.public / rel).read_bytes() == (self.raw / (source or rel)).read_bytes()

    def tree(self, rel: str) -> list:
        """Sorted paths of every file below a public folder, relative to public/."""
        return sorted(
            p.relative_to(self.public).as_posix()
            for p in (self.public / rel).rglob("*")
            if p.is_file()
        )

    def answer_ids(self) -> list:
        return [row[self.answers_spec.id] for row in self.answers]

    def sample(self, columns: list):
        """The sample submission's rows, after checking its columns are `columns`."""
        header, rows = self.csv("sample_submission.csv")
        assert header == columns, f"sample_submission.csv has columns {header}, want {columns}"
        return rows


def run_script(competition: str, raw: Path, out: Path, hash_seed: str) -> None:
    """Runs manifests/<competition>/prepare.py as Preparer.runScript does."""
    (out / "public").mkdir(parents=True)
    (out / "private").mkdir()
    script = MANIFESTS / competition / "prepare.py"
    env = dict(
        os.environ,
        PYTHONHASHSEED=hash_seed,
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=str(SCRIPT_LIBRARY),
    )
    done = subprocess.run(
        [sys.executable, str(script), str(raw.resolve()), str(out.resolve())],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )
    failure = f"{competition}/prepare.py exited {done.returncode}:\n{done.stderr[-3000:]}"
    assert done.returncode == 0, failure


def check_common(out: Path, spec: Answers, empty_masks: bool = False) -> list:
    """The promises every script split makes; returns the answers' rows. With `empty_masks`
    (a run-length mask metric) the first target may be empty: an image with nothing to mark."""
    written = sorted(os.listdir(out))
    assert written == ["private", "public"], f"unexpected files in OUT: {written}"
    private = os.listdir(out / "private")
    assert private == ["answers.csv"], f"private/ must hold only answers.csv: {private}"
    for folder, dirs, names in os.walk(out / "public"):
        links = [n for n in dirs + names if os.path.islink(os.path.join(folder, n))]
        assert not links, f"symbolic links in {folder}: {links}"
    header, answers = read_csv(out / "private" / "answers.csv")
    promised = [spec.id] + spec.targets
    assert header == promised, f"answers.csv has columns {header}; the manifest says {promised}"
    assert answers, "answers.csv has no rows: the miniature must put rows on the test side"
    ids = [row[spec.id] for row in answers]
    assert all(ids), "an answer has an empty id"
    assert len(set(ids)) == len(ids), "answers.csv repeats an id"
    checked = spec.targets[1:] if empty_masks else spec.targets
    for row in answers:
        assert all(row[t] != "" for t in checked), f"answer {row} has an empty target"
    _, sample = read_csv(out / "public" / "sample_submission.csv")
    sample_ids = [row[spec.id] for row in sample]
    assert sample_ids == ids, "sample_submission.csv must list the answers' ids, in order"
    return answers


@pytest.fixture
def script_splits() -> list:
    """Ids of the catalogue's manifests whose split is `strategy: script`."""
    return [
        m.parent.name
        for m in sorted(MANIFESTS.glob("*/manifest.yaml"))
        if manifest_block(m.parent.name, "split").get("strategy") == "script"
    ]


@pytest.fixture
def harness():
    """The helpers a test calls itself (`run_script`, `manifest_answers`), as a fixture: a
    test module cannot `from conftest import` them when one pytest run also collects
    clients/python/tests, whose conftest.py takes the module name `conftest` first."""
    import types
    return types.SimpleNamespace(run_script=run_script, manifest_answers=manifest_answers)


@pytest.fixture
def raw(tmp_path) -> Raw:
    return Raw(tmp_path / "raw")


@pytest.fixture
def split(tmp_path, raw):
    """`split(competition)` runs the competition's script twice on `raw`, checks the common
    promises and that both runs are byte-identical, and returns the first run's output."""

    def run(competition: str) -> Prepared:
        spec = manifest_answers(competition)
        block = manifest_block(competition, "split")
        scripted = block.get("strategy") == "script" and block.get("script") == "prepare.py"
        assert scripted, f"{competition} is not a prepare.py script split: {block}"
        before = digests(raw.root)
        first, second = tmp_path / "out-1", tmp_path / "out-2"
        run_script(competition, raw.root, first, hash_seed="1")
        run_script(competition, raw.root, second, hash_seed="2")
        assert digests(raw.root) == before, "the script changed RAW, which it must only read"
        same = digests(first) == digests(second)
        assert same, "two runs on the same archive wrote different files"
        metric = str(manifest_block(competition, "metric").get("name", ""))
        answers = check_common(first, spec, empty_masks=metric.startswith("mask_"))
        return Prepared(out=first, raw=raw.root, answers_spec=spec, answers=answers)

    return run
