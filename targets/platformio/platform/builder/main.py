"""SCons script of the litemicro QEMU development platform.

Everything board specific comes from the board manifest (boards/<board>.json), written by
litemicro from its target files: compiler and linker flags, the linker script, and the QEMU
command line that `pio run -t upload` runs. The tools are the arm-none-eabi ones on PATH;
nothing is downloaded.
"""

import os

from SCons.Script import COMMAND_LINE_TARGETS, AlwaysBuild, Default, DefaultEnvironment

env = DefaultEnvironment()
board = env.BoardConfig()
platform_dir = env.PioPlatform().get_dir()
startup_dir = os.path.join(platform_dir, "startup")
cpu_flags = list(board.get("build.cpu_flags"))

env.Replace(
    AR="arm-none-eabi-gcc-ar",
    AS="arm-none-eabi-as",
    CC="arm-none-eabi-gcc",
    CXX="arm-none-eabi-g++",
    GDB="arm-none-eabi-gdb",
    OBJCOPY="arm-none-eabi-objcopy",
    RANLIB="arm-none-eabi-gcc-ranlib",
    SIZETOOL="arm-none-eabi-size",
    ARFLAGS=["rc"],
    PROGNAME="firmware",
    PROGSUFFIX=".elf",
    LDSCRIPT_PATH=os.path.join(platform_dir, "ldscripts", board.get("build.ldscript")),
    SIZEPROGREGEXP=r"^(?:\.vectors|\.text|\.rodata|\.ARM\.exidx|\.lm_test_data|\.data)\s+(\d+).*",
    SIZEDATAREGEXP=r"^(?:\.data|\.bss)\s+(\d+).*",
    SIZECHECKCMD="$SIZETOOL -A -d $SOURCES",
    SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES",
    UPLOADCMD=" ".join(board.get("upload.qemu_command")),
)
env.Append(
    ASFLAGS=cpu_flags,
    CCFLAGS=cpu_flags + list(board.get("build.cflags")),
    CPPDEFINES=list(board.get("build.defines")),
    CPPPATH=[startup_dir],
    LINKFLAGS=cpu_flags + list(board.get("build.ldflags")),
    LIBS=["m"],
)

if "nobuild" in COMMAND_LINE_TARGETS:
    firmware = os.path.join("$BUILD_DIR", "${PROGNAME}${PROGSUFFIX}")
else:
    env.BuildSources(os.path.join("$BUILD_DIR", "startup"), startup_dir)
    firmware = env.BuildProgram()

AlwaysBuild(env.Alias("nobuild", firmware))
AlwaysBuild(env.Alias("size", firmware, env.VerboseAction("$SIZEPRINTCMD", "Calculating size $SOURCE")))
AlwaysBuild(env.Alias("upload", firmware, env.VerboseAction("$UPLOADCMD", "Running $SOURCE in QEMU")))
Default([firmware])
