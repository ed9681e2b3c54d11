"""hypothesis is a test extra: without it every module of lite_micro imports, except the
strategies package (which says what is missing), and `litemicro gen` works."""
import subprocess
import sys
import textwrap

BLOCKED = textwrap.dedent("""
    import importlib, pkgutil, sys
    sys.modules["hypothesis"] = None          # `import hypothesis` now raises ImportError
    import lite_micro
    failed = {}
    for module in pkgutil.walk_packages(lite_micro.__path__, "lite_micro."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:
            failed[module.name] = str(exc)
    print(repr(failed))
    from lite_micro.testing.oneop import OpCase, TensorSpec
    case = OpCase("RELU", [TensorSpec((1, 8), "int8", 0.1, 3)], [TensorSpec((1, 8), "int8", 0.1, 3)])
    with open(sys.argv[1], "wb") as f:
        f.write(case.build())
    from lite_micro.cli import main
    print("gen exit", main(["gen", sys.argv[1], "-o", sys.argv[2]]))
""")


def test_lite_micro_imports_and_generates_without_hypothesis(tmp_path):
    model, out = tmp_path / "relu.tflite", tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", BLOCKED, str(model), str(out)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    failed, gen = done.stdout.strip().splitlines()[0], done.stdout.strip().splitlines()[-1]
    assert failed == repr({"lite_micro.testing.strategies":
                           "the conformance strategies need hypothesis: pip install hypothesis"})
    assert gen == "gen exit 0" and any(out.glob("*.c")), done.stdout


def test_the_blocker_blocks(tmp_path):
    """The check above would pass vacuously if the blocker let hypothesis through."""
    done = subprocess.run([sys.executable, "-c", "import sys; sys.modules['hypothesis'] = None\n"
                           "import lite_micro.testing.strategies.conv"], capture_output=True, text=True)
    assert done.returncode != 0 and "pip install hypothesis" in done.stderr
