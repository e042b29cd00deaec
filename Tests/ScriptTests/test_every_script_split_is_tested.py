"""Every script split has a test here (issue 14: each prepare.py is tested on a generated
miniature of its real layout), whether it is bespoke or only drives a shared split engine of
manifests/_shared: as long as a manifest says `strategy: script`, its script decides the
split and must be tested."""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_every_script_split_has_a_test_on_a_miniature(script_splits):
    assert len(script_splits) >= 23, f"expected the 23 script splits, found {len(script_splits)}"
    missing = []
    for competition in script_splits:
        test = HERE / f"test_{competition.replace('-', '_')}.py"
        if not test.exists() or f'COMPETITION = "{competition}"' not in test.read_text(
            encoding="utf-8"
        ):
            missing.append(competition)
    assert not missing, f"script splits without a test in Tests/ScriptTests: {missing}"
