"""Codegen: prepared layers and a memory plan rendered into C through Jinja templates."""

from .emit import generate

__all__ = ["generate"]
