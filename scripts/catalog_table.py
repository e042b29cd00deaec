#!/usr/bin/env python3
"""Writes the competition table of manifests/README.md from the manifests and the catalogue.

Usage: scripts/catalog_table.py [--catalog PATH] [--check]

Reads every manifests/<id>/manifest.yaml and the catalogue's competitions.json (title, tags,
data types), and prints the Markdown table between the README's `<!-- table -->` markers, or
rewrites them in place. Deterministic: rows are sorted by id, and nothing depends on the
clock, the locale or dictionary order. `--check` exits 1 when the README is out of date.
Standard library only.
"""

import argparse
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFESTS = os.path.join(ROOT, "manifests")
README = os.path.join(MANIFESTS, "README.md")
CATALOG_CANDIDATES = [
    os.path.join(ROOT, "..", "shared", "catalog", "competitions.json"),
    os.path.join(ROOT, "..", "..", "shared", "catalog", "competitions.json"),
]
BEGIN, END = "<!-- table -->", "<!-- /table -->"

# The competitions MLE-bench prepares (openai/mle-bench, mlebench/competitions/); every other
# catalogue competition was first curated by MLE-Dojo (directly, or from DSBench).
MLE_BENCH = set(
    """AI4Code aerial-cactus-identification alaska2-image-steganalysis aptos2019-blindness-detection
    billion-word-imputation bms-molecular-translation cassava-leaf-disease-classification
    cdiscount-image-classification-challenge chaii-hindi-and-tamil-question-answering
    champs-scalar-coupling denoising-dirty-documents detecting-insults-in-social-commentary
    dog-breed-identification dogs-vs-cats-redux-kernels-edition
    facebook-recruiting-iii-keyword-extraction freesound-audio-tagging-2019 google-quest-challenge
    h-and-m-personalized-fashion-recommendations herbarium-2020-fgvc7 herbarium-2021-fgvc8
    herbarium-2022-fgvc9 histopathologic-cancer-detection hms-harmful-brain-activity-classification
    hotel-id-2021-fgvc8 hubmap-kidney-segmentation icecube-neutrinos-in-deep-ice imet-2020-fgvc7
    inaturalist-2019-fgvc6 invasive-species-monitoring iwildcam-2019-fgvc6 iwildcam-2020-fgvc7
    jigsaw-toxic-comment-classification-challenge jigsaw-unintended-bias-in-toxicity-classification
    kuzushiji-recognition leaf-classification learning-agency-lab-automated-essay-scoring-2
    lmsys-chatbot-arena ml2021spring-hw2 mlsp-2013-birds movie-review-sentiment-analysis-kernels-only
    multi-modal-gesture-recognition new-york-city-taxi-fare-prediction nfl-player-contact-detection
    nomad2018-predict-transparent-conductors osic-pulmonary-fibrosis-progression
    paddy-disease-classification petfinder-pawpularity-score plant-pathology-2020-fgvc7
    plant-pathology-2021-fgvc8 plant-seedlings-classification playground-series-s3e18
    predict-volcanic-eruptions-ingv-oe random-acts-of-pizza ranzcr-clip-catheter-line-classification
    rsna-miccai-brain-tumor-radiogenomic-classification seti-breakthrough-listen siim-covid19-detection
    smartphone-decimeter-2022 spaceship-titanic spooky-author-identification stanford-covid-vaccine
    statoil-iceberg-classifier-challenge tabular-playground-series-dec-2021
    tabular-playground-series-may-2022 text-normalization-challenge-english-language
    text-normalization-challenge-russian-language tgs-salt-identification-challenge
    the-icml-2013-whale-challenge-right-whale-redux tweet-sentiment-extraction
    us-patent-phrase-to-phrase-matching uw-madison-gi-tract-image-segmentation
    ventilator-pressure-prediction vesuvius-challenge-ink-detection
    vinbigdata-chest-xray-abnormalities-detection whale-categorization-playground""".split()
)

IMAGE_TYPES = {"jpg", "jpeg", "png", "tif", "tiff", "dcm", "dicom", "bmp"}
AUDIO_TYPES = {"wav", "aif", "aiff", "mp3", "flac"}


def category(entry):
    """One coarse category from the catalogue's tags, then its data file types."""
    tags = set(entry.get("tags") or [])
    types = {t.strip() for t in (entry.get("data", {}).get("type") or "").replace("+", ",").split(",")}
    if tags & {"Image", "Image Segmentation", "Image Text Recognition"} or types & IMAGE_TYPES:
        return "Image"
    if "Audio" in tags or types & AUDIO_TYPES:
        return "Audio"
    if "Video" in tags or "mp4" in types:
        return "Video"
    if tags & {"Text", "NLP", "Languages", "Linguistics", "Text Conversation", "Text Generation"}:
        return "Text"
    if "Time Series Analysis" in tags:
        return "Time series"
    if "Signal Processing" in tags:
        return "Signal"
    return "Tabular"


def scalar(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return json.loads(text)
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [scalar(p) for p in split_flow(inner)] if inner else []
    return text


def split_flow(text):
    parts, depth, quoted, current = [], 0, False, ""
    for ch in text:
        if ch == '"' and not current.endswith("\\"):
            quoted = not quoted
        if ch == "," and depth == 0 and not quoted:
            parts.append(current)
            current = ""
            continue
        depth += ch == "[" and not quoted
        depth -= ch == "]" and not quoted
        current += ch
    parts.append(current)
    return parts


def load_manifest(path):
    """The subset of YAML the manifests use: block mappings, flow lists, scalars, comments."""
    data, stack = {}, [(-1, None)]
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            indent = len(line) - len(line.lstrip())
            key, _, value = line.strip().partition(":")
            while stack and stack[-1][0] >= indent:
                stack.pop()
            parent = data
            for _, name in stack[1:]:
                parent = parent[name]
            if value.strip():
                parent[key] = scalar(value)
            else:
                parent[key] = {}
                stack.append((indent, key))
    return data


def describe_split(split):
    kind = split.get("strategy", "?")
    size = split.get("test_fraction") or split.get("test_rows")
    detail = {
        "stratified": split.get("stratify"),
        "group": split.get("group"),
        "time": split.get("time"),
    }.get(kind)
    text = kind
    if size:
        text += f" {size}"
    if detail:
        text += f" by `{detail}`"
    if "seed" in split and kind not in ("time", "provided", "script"):
        text += f", seed {split['seed']}"
    return text


def describe_metric(metric):
    name = metric.get("name", "?")
    params = [f"{k}={v if not isinstance(v, list) else len(v)}" for k, v in sorted(metric.items())
              if k not in ("name", "lower_is_better") and k in ("k", "positive")]
    if isinstance(metric.get("columns"), list):
        params.append(f"mean of {len(metric['columns'])} columns")
    return f"`{name}`" + (f" ({', '.join(params)})" if params else "")


def curated_first(slug, entry):
    if slug in MLE_BENCH:
        return "mle-bench"
    if entry.get("source") == "ds-bench":
        return "mle-dojo (from DSBench)"
    return "mle-dojo"


def build_table(catalog):
    rows = []
    for slug in sorted(catalog, key=str.lower):
        path = os.path.join(MANIFESTS, slug, "manifest.yaml")
        if not os.path.exists(path):
            continue
        m = load_manifest(path)
        entry = catalog[slug]
        with open(path, encoding="utf-8") as f:
            unverified = any(line.startswith("# unverified:") for line in f)
        flags = []
        if m.get("media"):
            flags.append("media")
        if unverified:
            flags.append("unverified")
        rows.append(
            "| [{slug}]({slug}/manifest.yaml) | {cat} | {metric} | {split} | {first} | {flags} |".format(
                slug=slug,
                cat=category(entry),
                metric=describe_metric(m.get("metric", {})),
                split=describe_split(m.get("split", {})),
                first=curated_first(slug, entry),
                flags=", ".join(flags),
            )
        )
    head = [
        "| competition | category | metric | split | curated first by | notes |",
        "|---|---|---|---|---|---|",
    ]
    return "\n".join(head + rows), len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", help="competitions.json (default: ../shared/catalog/)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the README is stale")
    parser.add_argument("--print", action="store_true", help="print the table instead")
    args = parser.parse_args()
    candidates = [args.catalog] if args.catalog else CATALOG_CANDIDATES
    path = next((p for p in candidates if p and os.path.exists(p)), None)
    if path is None:
        sys.exit("catalog_table.py: competitions.json not found; pass --catalog PATH")
    with open(path, encoding="utf-8") as f:
        catalog = {c["slug"]: c for c in json.load(f)}
    table, count = build_table(catalog)
    if args.print:
        print(table)
        return
    with open(README, encoding="utf-8") as f:
        text = f.read()
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        sys.exit(f"catalog_table.py: {README} has no {BEGIN} ... {END} markers")
    updated = pattern.sub(lambda _: f"{BEGIN}\n{table}\n{END}", text)
    if args.check:
        if updated != text:
            sys.exit("catalog_table.py: manifests/README.md is out of date; run scripts/catalog_table.py")
        return
    with open(README, "w", encoding="utf-8") as f:
        f.write(updated)
    print(f"wrote {count} rows to {os.path.relpath(README, ROOT)}")


if __name__ == "__main__":
    main()
