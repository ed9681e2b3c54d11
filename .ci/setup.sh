#!/usr/bin/env bash
# Install everything litemicro and its tests need on a fresh Debian machine (run as root):
# the Arm toolchain, QEMU and compilers from Debian, then litemicro with its test extra in a
# virtual environment, .venv (Debian's python3 refuses a system-wide pip install, PEP 668).
# PYTHON picks the interpreter that makes the environment (default: python3 on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
PYTHON="${PYTHON:-python3}"

need_apt=0
for tool in arm-none-eabi-gcc qemu-system-arm clang gcc cmake ninja; do
  command -v "$tool" >/dev/null || need_apt=1
done
[ -d /usr/lib/arm-none-eabi/newlib ] || need_apt=1
# The venv module and the C headers cffi compiles host builds against (Debian splits both out).
"$PYTHON" -c 'import ensurepip, venv, sysconfig, os, sys
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  2>/dev/null || need_apt=1
if [ "$need_apt" = 1 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi \
    qemu-system-arm clang gcc cmake ninja-build python3-venv python3-dev >/dev/null
fi

# The HTML report's browser test (tests/test_report.py) renders pages in headless chromium.
command -v chromium >/dev/null || { apt-get update -qq; apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
