#!/usr/bin/env bash
# Install everything litemicro and its tests need on a fresh Debian machine (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if ! command -v arm-none-eabi-gcc >/dev/null || ! command -v qemu-system-arm >/dev/null \
   || ! command -v clang >/dev/null || [ ! -d /usr/lib/arm-none-eabi/newlib ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi \
    qemu-system-arm clang gcc >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -e ".[test]"
