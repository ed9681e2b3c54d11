"""`litemicro project --format cmake|arduino`: the same model and demo as the PlatformIO
project, packaged for CMake or as an Arduino library.

- cmake: `<prefix>/` is a library target (`add_subdirectory(<prefix>)`, then link `<prefix>`);
  the top-level CMakeLists.txt builds the demo firmware with `cmake/arm-none-eabi.cmake`. On an
  emulated board it links our startup code and linker script into `<prefix>_demo.elf` and the
  `run` target runs it in QEMU; on a real board the demo is an object library to link into a
  firmware that has the vendor's startup code and linker script.
- arduino: a library laid out to the Arduino library specification (library.properties,
  src/, examples/<prefix>_demo/ with the demo sketch).

Both are pure ({relative path: text}), as project_files() is.
"""

from __future__ import annotations

from .resources import templates_dir
from .toolchain.firmware import COMMON_FLAGS, LINK_FLAGS, render_linker_script
from .toolchain.qemu import qemu_command

FORMATS = ("platformio", "cmake", "arduino")


def cmake_files(gen, board, target, ctx: dict, render, demo_files: dict[str, str]) -> dict[str, str]:
    """The CMake project: library, toolchain file, demo sources, README."""
    model_sources = sorted(n for n in gen.files if n.endswith(".c"))
    demo_sources = sorted(path for path in demo_files if path.startswith("src/") and path.endswith(".c"))
    cmake_ctx = {
        **ctx, "model_sources": model_sources, "demo_sources": demo_sources,
        "cpu_flags": " ".join(target.cflags), "common_flags": list(COMMON_FLAGS),
        "link_flags": list(LINK_FLAGS), "qemu": qemu_command("${LM_DEMO_ELF}", target) if board.emulated else [],
    }
    files = {f"{gen.prefix}/{name}": text for name, text in gen.files.items()}
    files[f"{gen.prefix}/CMakeLists.txt"] = render("cmake/library.cmake.j2", cmake_ctx)
    files["CMakeLists.txt"] = render("cmake/CMakeLists.txt.j2", cmake_ctx)
    files["cmake/arm-none-eabi.cmake"] = render("cmake/arm-none-eabi.cmake.j2", cmake_ctx)
    files["README.md"] = render("cmake/README.md.j2", cmake_ctx)
    files.update(demo_files)
    if board.emulated:
        files["startup/link.ld"] = render_linker_script(target)
        for name in ("fw_startup.c", "fw_startup.h"):
            files[f"startup/{name}"] = (templates_dir() / "firmware" / name).read_text()
    return files


def arduino_files(gen, ctx: dict, render, demo_files: dict[str, str]) -> dict[str, str]:
    """The Arduino library: the model in src/, the demo as examples/<prefix>_demo/."""
    sketch = f"examples/{gen.prefix}_demo"
    files = {f"src/{name}": text for name, text in gen.files.items()}
    files["library.properties"] = render("arduino/library.properties.j2", ctx)
    files[f"{sketch}/{gen.prefix}_demo.ino"] = render("arduino/demo.ino.j2", ctx)
    files[f"{sketch}/lm_app.c"] = demo_files["src/main.c"]
    files[f"{sketch}/lm_app.h"] = demo_files["include/lm_app.h"]
    files[f"{sketch}/lm_board_arduino.cpp"] = (templates_dir() / "platformio" / "lm_board_arduino.cpp").read_text()
    files["README.md"] = render("arduino/README.md.j2", ctx)
    return files
