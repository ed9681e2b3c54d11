"""The one-op model builder and its strategies: every generated model is accepted by
the TFLM interpreter, and the models mean what the builder says (float references)."""
import numpy as np
import pytest
from tflite_micro.python.tflite_micro import runtime

from lite_micro.testing.describe import describe_model
from lite_micro.testing.oneop import OPS, OpCase, TensorSpec, build_model
from lite_micro.testing.sampling import sample_cases
from lite_micro.testing.strategies import INT8, WITHOUT_TFLM
from lite_micro.testing.strategies.conv import conv_2d, depthwise_conv_2d
from lite_micro.testing.strategies.matmul import fully_connected

NP = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "float32": np.float32}


def run_tflm(case: OpCase, inputs=None):
    it = runtime.Interpreter.from_bytes(case.build(), arena_size=1 << 20)
    acts = [s for s in case.inputs if s is not None and s.data is None and not s.variable]
    rng = np.random.default_rng(0)
    for i, spec in enumerate(acts):
        arr = inputs[i] if inputs is not None else (
            rng.integers(-128, 128, spec.shape).astype(NP[spec.dtype]))
        it.set_input(arr, i)
    it.invoke()
    return [it.get_output(i) for i in range(len(case.outputs))]


def test_every_listed_op_has_a_strategy():
    assert sorted({**INT8, **WITHOUT_TFLM}) == sorted(OPS)


@pytest.mark.parametrize("op", sorted(INT8))
def test_tflm_accepts_every_generated_model(op):
    for case in sample_cases(INT8[op], 8, 1):
        outs = run_tflm(case)
        assert [o.shape for o in outs] == [tuple(s.shape) for s in case.outputs]
        assert [o.dtype for o in outs] == [np.dtype(NP[s.dtype]) for s in case.outputs]


def _dequant(spec, q):
    scale = np.asarray(spec.scale, dtype=np.float64)
    return (q.astype(np.float64) - np.asarray(spec.zero_point or 0)) * scale


def _conv_reference(case, x):
    """Float NHWC convolution of the dequantized tensors (TF padding rules)."""
    inp, filt, out = case.inputs[0], case.inputs[1], case.outputs[0]
    o = case.options
    depthwise = case.op == "DEPTHWISE_CONV_2D"
    scale = np.asarray(filt.scale, dtype=np.float64)
    w = filt.data * (scale.reshape(1, 1, 1, -1) if depthwise else scale.reshape(-1, 1, 1, 1))
    xf = _dequant(inp, x)
    n, h, wd, cin = xf.shape
    _, oh, ow, cout = out.shape
    kh, kw = (w.shape[1], w.shape[2])
    pads = []
    for size, osz, k, s, d in ((h, oh, kh, o["stride_h"], o["dilation_h_factor"]),
                               (wd, ow, kw, o["stride_w"], o["dilation_w_factor"])):
        total = max((osz - 1) * s + (k - 1) * d + 1 - size, 0)
        pads.append(total // 2 if o["padding"] == "SAME" else 0)
    acc = np.zeros((n, oh, ow, cout))
    if len(case.inputs) > 2:
        acc += case.inputs[2].data * np.asarray(case.inputs[2].scale, dtype=np.float64)
    for y in range(oh):
        for xo in range(ow):
            for i in range(kh):
                for j in range(kw):
                    yy = y * o["stride_h"] + i * o["dilation_h_factor"] - pads[0]
                    xx = xo * o["stride_w"] + j * o["dilation_w_factor"] - pads[1]
                    if 0 <= yy < h and 0 <= xx < wd:
                        v = xf[:, yy, xx, :]
                        if depthwise:
                            acc[:, y, xo, :] += np.repeat(v, cout // cin, axis=1) * w[0, i, j, :]
                        else:                      # grouped: w has cin/groups channels
                            gi = w.shape[3]
                            opg = cout // (cin // gi)
                            for g in range(cin // gi):
                                acc[:, y, xo, g * opg:(g + 1) * opg] += \
                                    v[:, g * gi:(g + 1) * gi] @ w[g * opg:(g + 1) * opg, i, j, :].T
    return acc


def _fc_reference(case, x):
    inp, filt, out = case.inputs[0], case.inputs[1], case.outputs[0]
    w = filt.data.astype(np.float64) * np.asarray(filt.scale, dtype=np.float64).reshape(-1, 1)
    acc = _dequant(inp, x).reshape(-1, filt.shape[1]) @ w.T
    if len(case.inputs) > 2:
        acc += case.inputs[2].data * np.asarray(case.inputs[2].scale, dtype=np.float64)
    return acc.reshape(out.shape)


ACT = {"NONE": (-np.inf, np.inf), "RELU": (0, np.inf), "RELU6": (0, 6), "RELU_N1_TO_1": (-1, 1)}


@pytest.mark.parametrize("strategy,reference", [
    (conv_2d(), _conv_reference), (depthwise_conv_2d(), _conv_reference),
    (fully_connected(), _fc_reference)])
def test_weighted_models_mean_what_the_builder_says(strategy, reference):
    for case in sample_cases(strategy, 16, 4):     # seed 4: 4 grouped convolutions
        out = case.outputs[0]
        x = np.random.default_rng(3).integers(-128, 128, case.inputs[0].shape).astype(np.int8)
        got = run_tflm(case, [x])[0].astype(np.int64)
        lo, hi = ACT[case.options["fused_activation_function"]]
        real = np.clip(reference(case, x), lo, hi)
        want = np.clip(np.round(real / out.scale) + out.zero_point, -128, 127)
        assert np.abs(got - want).max() <= 1, case.options


def test_description_reads_back_what_was_built():
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, (4, 3, 3, 2)).astype(np.int8)
    model = build_model("CONV_2D", [TensorSpec((1, 5, 5, 2), scale=0.5, zero_point=-3),
                                    TensorSpec((4, 3, 3, 2), scale=[0.1, 0.2, 0.3, 0.4],
                                               zero_point=0, data=w)],
                        [TensorSpec((1, 3, 3, 4), scale=0.25, zero_point=7)],
                        dict(padding="VALID", stride_w=1, stride_h=1,
                             fused_activation_function="RELU6"), version=5)
    d = describe_model(model)
    assert (d["op"], d["version"]) == ("CONV_2D", 5)
    assert d["options"]["Padding"] == "VALID"
    assert d["options"]["FusedActivationFunction"] == "RELU6"
    assert d["inputs"] == [0, 1] and d["outputs"] == [2]
    t_in, t_w, t_out = d["tensors"]
    assert (t_in["shape"], t_in["zero_point"], t_in["constant"]) == ([1, 5, 5, 2], -3, False)
    assert t_w["constant"] and np.allclose(t_w["scale"], [0.1, 0.2, 0.3, 0.4])
    assert (t_out["scale"], t_out["zero_point"]) == (0.25, 7)


def test_optional_inputs_and_variables():
    """None input -> index -1; a variable tensor is neither constant nor a graph input."""
    spec = TensorSpec((1, 4), scale=0.1, zero_point=0)
    model = build_model("TANH", [spec], [TensorSpec((1, 4), scale=1 / 128, zero_point=0)], {})
    assert describe_model(model)["inputs"] == [0]
    case = INT8["SVDF"]
    svdf = sample_cases(case, 1, 0)[0]
    d = describe_model(svdf.build())
    assert d["tensors"][4]["variable"] and not d["tensors"][4]["constant"]


@pytest.mark.parametrize("bad,match", [
    (lambda: build_model("NOT_AN_OP", [], [], {}), "does not know op"),
    (lambda: build_model("RELU", [TensorSpec((2,), data=np.zeros(3, np.int8))],
                         [TensorSpec((2,))], {}), "data is"),
    (lambda: build_model("ADD", [TensorSpec((2,)), TensorSpec((2,))], [TensorSpec((2,))],
                         {"no_such_field": 1}), "no field"),
    (lambda: build_model("RELU", [TensorSpec((2,))], [TensorSpec((2,))], {"alpha": 1.0}),
     "has none"),
])
def test_builder_rejects_bad_specs(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


def test_testing_package_imports_without_hypothesis():
    """hypothesis is a test extra: only the strategies need it, and they say so."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "import lite_micro.testing.conformance, lite_micro.testing.sampling, lite_micro.testing.ties\n"
            "import lite_micro.testing.ranges, lite_micro.testing.runs, lite_micro.testing.oneop\n"
            "try:\n    import lite_micro.testing.strategies\nexcept ImportError as exc:\n"
            "    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "need hypothesis: pip install hypothesis" in done.stdout
