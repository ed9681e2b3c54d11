"""benchmarks/readme_tables.py: a benchmark's tables replace the README's tables of the same
header, and nothing else."""
import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "readme_tables", Path(__file__).resolve().parent.parent / "benchmarks" / "readme_tables.py")
readme_tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme_tables)

README = """# title

| a | b |
|---|---|
| 1 | old |

text between

| x | y |
|---|---|
| 9 | kept |
"""


def test_the_table_of_the_same_header_is_replaced():
    source = "intro\n\n| a | b |\n|---|---|\n| 1 | new |\n| 2 | added |\n\nmore\n"
    text, done = readme_tables.replace_tables(README, source)
    assert done == ["| a | b |"]
    assert "| 1 | new |\n| 2 | added |\n\ntext between" in text
    assert "| 9 | kept |" in text and "old" not in text
    assert text.startswith("# title\n\n") and text.endswith("| 9 | kept |\n")


def test_a_header_repeated_in_the_source_names_no_table():
    source = "| a | b |\n|---|---|\n| 1 | p |\n\n| a | b |\n|---|---|\n| 1 | q |\n"
    text, done = readme_tables.replace_tables(README, source)
    assert done == [] and text == README
