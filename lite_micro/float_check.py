"""`verify --float model_float.tflite`: what quantization costs, on the user's data.

The int8 model's outputs (from our generated code), dequantized with each output's scale and
zero point, against the float model's outputs on the same samples, run by the TFLM
interpreter (its reference kernels run float32 models too; a TILE runs as the BROADCAST_TO
that moves the same values, see `tflm_compat`). Per output: max-abs error, RMSE,
cosine similarity and top-1 agreement (the index of the largest value, per sample).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import LiteMicroError


def float_inputs(raw_sets, infos) -> list[list[np.ndarray]]:
    """Samples for the float model: real values as given; int8 samples dequantized with the
    int8 model's input scale and zero point."""
    def real(x, info):
        if x.dtype.kind == "f":
            return x.astype(np.float32)
        return ((x.astype(np.float32) - info.zero_point) * np.float32(info.scale)).astype(np.float32)
    return [[real(x, info) for x, info in zip(s, infos)] for s in raw_sets]


def run_float_model(path, sets, progress=None) -> list[list[np.ndarray]]:
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError:
        raise LiteMicroError("--float needs the TFLM interpreter: pip install 'litemicro[verify]'") from None
    try:
        model_bytes = Path(path).read_bytes()
    except OSError as exc:
        raise LiteMicroError(f"cannot read float model {path}: {exc.strerror}") from None
    from .tflm_compat import for_tflm
    if model_bytes[4:8] != b"TFL3":
        raise LiteMicroError(f"--float {Path(path).name} is not a .tflite model (no TFL3 identifier)")
    try:
        it = runtime.Interpreter.from_bytes(for_tflm(model_bytes))  # TILE runs as BROADCAST_TO
    except LiteMicroError:
        raise
    except Exception as exc:
        raise LiteMicroError(f"the TFLM interpreter cannot run the float model {Path(path).name}: "
                             f"{str(exc).splitlines()[0]} (an op TFLM has no float kernel for needs "
                             "TensorFlow's own interpreter, not supported here)") from None
    n_out = _num_outputs(model_bytes)
    outs = []
    for k, s in enumerate(sets):
        if progress:
            progress.count(k + 1, len(sets), "float model (TFLM)")
        for i, x in enumerate(s):
            _check_input(it, i, x, path)
            it.set_input(x.reshape(tuple(it.get_input_details(i)["shape"])), i)
        it.invoke()
        outs.append([np.array(it.get_output(j)) for j in range(n_out)])
    return outs


def _num_outputs(model_bytes: bytes) -> int:
    import tflite
    return tflite.Model.GetRootAsModel(model_bytes, 0).Subgraphs(0).OutputsLength()


def _check_input(it, i: int, x: np.ndarray, path) -> None:
    try:
        details = it.get_input_details(i)
    except Exception:
        raise LiteMicroError(f"float model {Path(path).name} has fewer inputs than the int8 model") from None
    if np.dtype(details["dtype"]) != np.float32:
        raise LiteMicroError(f"float model {Path(path).name}: input {i} is {np.dtype(details['dtype'])}, not float32")
    if int(np.prod(details["shape"])) != x.size:
        raise LiteMicroError(f"float model {Path(path).name}: input {i} has shape {list(details['shape'])}, "
                             f"the int8 model's has {x.size} values")


def dequantize(q: np.ndarray, info) -> np.ndarray:
    if q.dtype.kind == "f":
        return q.astype(np.float64)
    return (q.astype(np.float64) - info.zero_point) * info.scale


def metrics(int8_outs, float_outs, infos) -> list[dict]:
    """One dict per model output: the error of the dequantized int8 outputs against the float ones."""
    rows = []
    for j, info in enumerate(infos):
        a = np.stack([dequantize(s[j], info).reshape(-1) for s in int8_outs])
        b = np.stack([np.asarray(s[j], dtype=np.float64).reshape(-1) for s in float_outs])
        if a.shape != b.shape:
            raise LiteMicroError(f"output {j}: the int8 model gives {a.shape[1]} values per sample, "
                                 f"the float model {b.shape[1]}")
        diff = a - b
        norm = np.linalg.norm(a) * np.linalg.norm(b)
        rows.append(dict(output=j, name=info.name, samples=int(a.shape[0]),
                         max_abs_error=float(np.max(np.abs(diff))),
                         rmse=float(np.sqrt(np.mean(diff ** 2))),
                         cosine_similarity=float(np.sum(a * b) / norm) if norm else None,
                         top1_agreement=(float(np.mean(a.argmax(1) == b.argmax(1)))
                                         if a.shape[1] > 1 else None)))
    return rows


def render_table(rows: list[dict]) -> str:
    head = (f"  {'#':>2} {'output':<24} {'samples':>7} {'max-abs err':>12} {'RMSE':>11} "
            f"{'cosine':>9} {'top-1 agree':>11}")
    lines = ["int8 (dequantized) vs float model:", head]
    for r in rows:
        cos = "-" if r["cosine_similarity"] is None else f"{r['cosine_similarity']:.6f}"
        top1 = "-" if r["top1_agreement"] is None else f"{100 * r['top1_agreement']:.1f}%"
        lines.append(f"  {r['output']:>2} {r['name'][:24]:<24} {r['samples']:>7} {r['max_abs_error']:>12.6g} "
                     f"{r['rmse']:>11.5g} {cos:>9} {top1:>11}")
    return "\n".join(lines)
