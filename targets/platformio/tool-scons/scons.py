"""Entry point PlatformIO runs as `<python> scons.py ...`: the SCons installed from PyPI."""

import sys

from SCons.Script.Main import main

if __name__ == "__main__":
    sys.exit(main())
