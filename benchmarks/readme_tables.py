"""Copy a benchmark's tables into the README: the README table whose header row is the same as
one of the generated tables' is replaced by it, rows and all. A header that occurs more than
once among the generated tables (the per-layer tables) names no README table and is skipped;
the README's text around its tables is never touched.

    sync_readme(markdown)                   # from a benchmark script, after writing its file
    python benchmarks/readme_tables.py FILE [FILE ...]      # from files already written
"""
from __future__ import annotations

import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def tables(lines: list[str]) -> list[tuple[int, int]]:
    """[start, end) line ranges of the markdown tables (runs of lines starting with '|')."""
    found, start = [], None
    for k, line in enumerate([*lines, ""]):
        if line.startswith("|") and start is None:
            start = k
        elif not line.startswith("|") and start is not None:
            if k - start >= 2:
                found.append((start, k))
            start = None
    return found


def replace_tables(target: str, source: str) -> tuple[str, list[str]]:
    """`target` with each table replaced by `source`'s table of the same (unique) header; and
    the headers replaced."""
    src = source.splitlines()
    by_header: dict[str, list[str] | None] = {}
    for a, b in tables(src):
        header = src[a].strip()
        by_header[header] = None if header in by_header else src[a:b]
    out = target.splitlines()
    done = []
    for a, b in reversed(tables(out)):
        new = by_header.get(out[a].strip())
        if new is not None and out[a:b] != new:
            out[a:b] = new
            done.append(out[a].strip())
    return "\n".join(out) + ("\n" if target.endswith("\n") else ""), done[::-1]


def sync_readme(markdown: str, readme: Path = README) -> list[str]:
    """Replace the README's tables by `markdown`'s tables of the same header; the headers done."""
    text, done = replace_tables(readme.read_text(), markdown)
    if done:
        readme.write_text(text)
    for header in done:
        print(f"README: table '{header[:60]}...' updated", file=sys.stderr)
    return done


def main(argv: list[str]) -> int:
    for name in argv:
        sync_readme(Path(name).read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
