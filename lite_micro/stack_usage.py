"""Stack of `<prefix>_invoke` on a Cortex-M target, from the compiler's own call graph.

The generated sources are compiled (not linked) with the target's flags plus
`-fcallgraph-info=su`: GCC writes, per translation unit, every function's static frame size
and its direct calls. The stack of invoke is the deepest path from it. An indirect call (a
kernel passing one of its file-local row functions by pointer) counts as a call to the largest
file-local function nobody calls directly. Library functions (memcpy, memset) have no frame
information; they are listed, not counted.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LiteMicroError
from .toolchain.firmware import COMMON_FLAGS, COMPILER

_NODE = re.compile(r'node: \{ title: "([^"]+)" label: "[^\\"]*(?:\\n[^\\"]*\\n(\d+) bytes \(([\w,]+)\))?')
_EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
INDIRECT = "__indirect_call"


@dataclass
class StackUsage:
    bytes: int
    bounded: bool                                        # every frame known and static
    uncounted: list[str] = field(default_factory=list)   # callees without frame information


def invoke_stack(gen, target) -> StackUsage:
    """Compile gen.files for `target` and measure the deepest call path from invoke."""
    if shutil.which(COMPILER) is None:
        raise LiteMicroError(f"{COMPILER} not found: cannot measure the stack")
    with tempfile.TemporaryDirectory(prefix="lm_stack") as tmp:
        for name, text in gen.files.items():
            (Path(tmp) / name).write_text(text)
        sources = sorted(n for n in gen.files if n.endswith(".c"))
        cmd = [COMPILER, *target.cflags, target.optimize, *COMMON_FLAGS, "-I.", "-c",
               "-fcallgraph-info=su", *sources]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if proc.returncode != 0:
            raise LiteMicroError(f"compiling for the stack measure failed: {proc.stderr.strip()[:200]}")
        graphs = [p.read_text() for p in sorted(Path(tmp).glob("*.ci"))]
        naked = _naked_frames(Path(tmp), graphs)
    return deepest(graphs, f"{gen.prefix}_invoke", naked)


_ZERO = re.compile(r'node: \{ title: "(?:([^"]+)\.c:)?([^"]+)" label: "[^"]*\\n0 bytes \(static\)"')
_PUSH = re.compile(r"\t(?:push(?:\.w)?|stmdb(?:\.w)?\s+sp!,)\s*\{([^}]*)\}")
_SUB = re.compile(r"\tsub(?:\.w)?\s+sp,\s*(?:sp,\s*)?#(\d+)")


def _naked_frames(tmp: Path, graphs: list[str]) -> dict[str, int]:
    """Frames of the functions GCC reports at 0 bytes (naked routines: assembly that sets up its
    own frame, the kernels' line routines), from their code: the registers of the PUSH they
    start with and the SUB from sp after it."""
    wanted = {(unit, name) for text in graphs for unit, name in _ZERO.findall(text)}
    objdump = COMPILER.replace("gcc", "objdump")
    frames: dict[str, int] = {}
    for unit in sorted({u for u, _ in wanted if u}):
        obj = tmp / f"{unit}.o"
        if not obj.exists() or shutil.which(objdump) is None:
            continue
        code = subprocess.run([objdump, "-d", str(obj)], capture_output=True, text=True).stdout
        for name in [n for u, n in wanted if u == unit]:
            body = code.split(f"<{name}>:", 1)[1].split("\n\n", 1)[0] if f"<{name}>:" in code else ""
            head = "\n".join(body.strip().splitlines()[:2])
            push, sub = _PUSH.search(head), _SUB.search(head)
            size = (4 * len(push.group(1).split(",")) if push else 0) + (int(sub.group(1)) if sub else 0)
            if size:
                frames[f"{unit}.c:{name}"] = size
    return frames


def deepest(graphs: list[str], root: str, naked: dict[str, int] | None = None) -> StackUsage:
    """Deepest stack from `root` over GCC call-graph files (one text per translation unit);
    naked: frames of the functions the files give 0 bytes (_naked_frames)."""
    frames: dict[str, tuple[int, bool]] = {}
    calls: dict[str, list[str]] = {}
    for text in graphs:
        unit = _unit(text)
        local_targets: list[str] = []
        for name, size, kind in _NODE.findall(text):
            if size:
                frames[name] = (max(int(size), (naked or {}).get(name, 0)), kind == "static")
        edges = _EDGE.findall(text)
        called = {dst for _, dst in edges}
        local_targets = [n for n in frames if n.startswith(unit + ":") and n not in called]
        for src, dst in edges:
            calls.setdefault(src, []).extend(local_targets if dst == INDIRECT else [dst])
    usage = StackUsage(0, True)
    usage.bytes = _depth(root, frames, calls, usage, ())
    return usage


def _unit(text: str) -> str:
    m = re.search(r'graph: \{ title: "([^"]+)"', text)
    return m.group(1) if m else ""


def _depth(name: str, frames: dict, calls: dict, usage: StackUsage, path: tuple) -> int:
    if name in path:
        usage.bounded = False               # recursion: no static bound
        return 0
    if name not in frames:
        if name not in usage.uncounted:
            usage.uncounted.append(name)
        return 0
    size, static = frames[name]
    usage.bounded &= static
    below = [_depth(c, frames, calls, usage, path + (name,)) for c in calls.get(name, [])]
    return size + max(below, default=0)
