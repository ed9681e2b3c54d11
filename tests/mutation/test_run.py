"""The mutation tool itself (cheap checks; the mutations run by hand, see run.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from run import MUTATIONS, ROOT, Mutation, apply, main  # noqa: E402


def test_every_mutation_targets_text_that_exists_once():
    """A failure here means the code a mutation targets was rewritten: retarget it."""
    stale = [m.name for m in MUTATIONS if (ROOT / m.file).read_text().count(m.old) != 1]
    assert not stale, f"stale mutations: {stale}"


def test_a_missing_pattern_is_stale_and_the_copy_only_is_patched(tmp_path):
    (tmp_path / "a.c").write_text("x = y - (y < 0 ? 1 : 0);\n")
    assert "found 0 times" in apply(Mutation("m", "a.c", "nowhere", "x", ()), tmp_path)
    assert "does not exist" in apply(Mutation("m", "b.c", "x", "y", ()), tmp_path)
    assert apply(Mutation("m", "a.c", " - (y < 0 ? 1 : 0)", "", ()), tmp_path) == ""
    assert (tmp_path / "a.c").read_text() == "x = y;\n"


def test_stale_mutation_fails_the_run(monkeypatch, capsys):
    import run
    monkeypatch.setattr(run, "MUTATIONS", [Mutation("gone", "lite_micro/api.py", "no such text", "", ("x",))])
    assert main([]) == 1
    assert "STALE" in capsys.readouterr().out
