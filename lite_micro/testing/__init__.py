"""Test tooling: one-op models built in Python and checked against the TFLM interpreter.

    oneop          build_model(op, inputs, outputs, options) -> .tflite bytes; OpCase
    strategies     hypothesis strategies by op family (conv, matmul, elementwise, reduce,
                   movement, int16; building blocks in common); CONFORMANCE maps every op
                   name to its strategy. The only module that needs hypothesis (a test extra)
    runs           case counts and seeds of the randomized tests (LITEMICRO_CASES, LITEMICRO_SEED)
    thorough       the thorough conformance mode, op by op, resumable
    conformance    run_cases(models) -> [Mismatch]: one host build per batch, ours vs TFLM
    sampling       sample_cases / minimize: batch first, shrink a failure afterwards
    describe       describe_model(bytes) -> dict, for reports and kept regression notes
    isolate        run checks in forked children (a crash is a finding, not the end)
"""
