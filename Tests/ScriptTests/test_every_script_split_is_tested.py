"""Every script split has a test here (issue 14: each prepare.py is tested on a generated
miniature of its real layout): as long as a manifest says `strategy: script`, its script
decides the split and must be tested. And no script reaches outside its own folder for code
but Dojo's `dojo_split` library: the split engine is the Swift one, declared in manifests."""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_every_script_split_has_a_test_on_a_miniature(script_splits):
    assert len(script_splits) >= 21, f"expected the 21 script splits, found {len(script_splits)}"
    missing = []
    for competition in script_splits:
        test = HERE / f"test_{competition.replace('-', '_')}.py"
        if not test.exists() or f'COMPETITION = "{competition}"' not in test.read_text(
            encoding="utf-8"
        ):
            missing.append(competition)
    assert not missing, f"script splits without a test in Tests/ScriptTests: {missing}"


def test_no_script_imports_code_from_beside_its_folder(script_splits):
    manifests = HERE.parents[1] / "manifests"
    assert not (manifests / "_shared").exists(), "manifests/_shared/ is gone: no shared split code"
    reaching = [
        c
        for c in script_splits
        if "sys.path" in (manifests / c / "prepare.py").read_text(encoding="utf-8")
    ]
    assert not reaching, f"scripts that change sys.path to import code from elsewhere: {reaching}"
