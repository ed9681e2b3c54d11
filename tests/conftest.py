"""Shared fixtures for the host test suite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def host_workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("host-builds")
