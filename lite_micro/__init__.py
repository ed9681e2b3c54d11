"""litemicro: compile int8 TensorFlow Lite models into plain C for microcontrollers.

    import lite_micro
    model = lite_micro.compile("model.tflite", target="cortex-m4")
    model.write("build/model")            # C files, as `litemicro gen` writes them
    outputs = model.run_host([x])         # one inference of the same C, built for this computer

Public names: compile, CompiledModel, LiteMicroError, list_targets, __version__ (imported on
first use, so that `import lite_micro` stays cheap).
"""

__version__ = "0.1.0"
__all__ = ["compile", "CompiledModel", "LiteMicroError", "list_targets", "__version__"]

_LAZY = {"compile": "public", "CompiledModel": "public", "LiteMicroError": "errors", "list_targets": "targets"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
