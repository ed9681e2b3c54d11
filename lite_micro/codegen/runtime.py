"""The runtime: the lm_* files a model's source calls into, shared by every model one litemicro
generates, and the version stamp (lm_version.h) that ties a model to them."""

from __future__ import annotations

import hashlib

from .. import __version__
from ..resources import templates_dir

RUNTIME_HEADERS = ("lm_common.h", "lm_kernels.h", "lm_attrs.h")
VERSION_HEADER = "lm_version.h"


def runtime_id() -> str:
    """8 hex digits naming this litemicro's runtime: a hash of every shipped lm_* file (names
    and contents), so any change to any kernel gives a new id."""
    digest = hashlib.sha256()
    for path in sorted((templates_dir() / "runtime").glob("lm_*")):
        if path.is_file() and path.suffix in (".c", ".h"):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:8]


def version_header(env, rid: str) -> str:
    return env.get_template("model/lm_version.h.j2").render(version=__version__, runtime_id=rid)


def runtime_files(layers, env, rid: str) -> dict[str, str]:
    """{name: text} of the runtime files the layers use: the same text for the same name in
    every model (custom-op files are the op's own, the same for every model using it)."""
    used = sorted({f for layer in layers for f in layer.runtime})
    sources = {name: text for layer in layers for name, text in layer.sources.items()}
    rt = templates_dir() / "runtime"
    files = {name: sources[name] if name in sources else (rt / name).read_text()
             for name in RUNTIME_HEADERS + tuple(used)}
    files[VERSION_HEADER] = version_header(env, rid)
    return files
