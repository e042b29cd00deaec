"""Every bespoke split script has a test here (issue 14: each remaining prepare.py is tested on
a generated miniature of its real layout). Scripts that only drive a shared split engine of
manifests/_shared are being replaced by declarative manifests and are not counted."""

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFESTS = HERE.parents[1] / "manifests"

SHARED_ENGINES = re.compile(
    r"^\s*(?:from|import) (?:table_split|coco_split|json_records_split)\b", re.MULTILINE
)


def test_every_bespoke_script_split_has_a_test_on_a_miniature(script_splits):
    bespoke = [
        c
        for c in script_splits
        if not SHARED_ENGINES.search((MANIFESTS / c / "prepare.py").read_text(encoding="utf-8"))
    ]
    assert len(bespoke) >= 21, f"expected the 21 bespoke script splits, found {len(bespoke)}"
    missing = []
    for competition in bespoke:
        test = HERE / f"test_{competition.replace('-', '_')}.py"
        if not test.exists() or f'COMPETITION = "{competition}"' not in test.read_text(
            encoding="utf-8"
        ):
            missing.append(competition)
    assert not missing, f"script splits without a test in Tests/ScriptTests: {missing}"
