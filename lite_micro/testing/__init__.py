"""Test tooling: one-op models built in Python and checked against the TFLM interpreter.

    oneop          build_model(op, inputs, outputs, options) -> .tflite bytes; OpCase
    strategies     hypothesis strategies for the first eight ops (+ shared building blocks)
    strategies_more  the other ops; ALL_STRATEGIES maps every op name to its strategy
    conformance    run_cases(models) -> [Mismatch]: one host build per batch, ours vs TFLM
    sampling       sample_cases / minimize: batch first, shrink a failure afterwards
    describe       describe_model(bytes) -> dict, for reports and kept regression notes
    isolate        run checks in forked children (a crash is a finding, not the end)
"""
