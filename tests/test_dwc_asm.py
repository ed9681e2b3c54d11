"""The assembly routine of the depthwise 3x3 column walk (lite_micro/ops/dwc_asm.py): its shape per
geometry. Its results are checked against the TFLM interpreter in QEMU by
tests/kernels/test_depthwise_add_fast.py (the "cols" cases) and by the example models."""

from __future__ import annotations

import re

from lite_micro.ops import dwc_asm


def _instructions(text: str) -> list[str]:
    return re.findall(r'"([^"\\]+)\\n\\t"', text)


def test_every_pixel_stored_once_per_kind_of_line():
    # KWS's 25x5 map: five pixels per line, unrolled; a top, an inner and a bottom line
    ins = _instructions(dwc_asm.lines_routine("f", 64, 5, 5, 1, False))
    stores = [i for i in ins if i.startswith("strb")]
    assert len(stores) == 3 * 5
    assert sorted({i.rsplit("#", 1)[1] for i in stores}) == sorted(f"{64 * k}]" for k in range(5))
    # nine taps per inner pixel but the padded columns' (folded into the starting sums)
    inner = ins[ins.index("1:"):ins.index("4:")]
    assert sum(i.startswith(("smlad", "smlab")) for i in inner) == 2 * (3 * 3 + 2 * 2)


def test_long_lines_loop_over_their_inner_columns():
    ins = _instructions(dwc_asm.lines_routine("f", 8, 48, 48, 1, True))
    assert "2:" in ins and "bne 2b" in ins                  # the inner lines' loop over blocks of pixels
    assert len([i for i in ins if i.startswith("strb")]) < 3 * 48


def test_wide_rows_take_their_own_base_registers():
    # 512 channels of 5 pixels: row 2 of a column lies 5120 bytes past row 0, beyond LDRSB's 4095
    narrow = _instructions(dwc_asm.lines_routine("f", 128, 6, 6, 1, False))
    wide = _instructions(dwc_asm.lines_routine("f", 512, 5, 5, 1, False))
    assert not any("[r12, #" in i for i in narrow) and any("[r12, #" in i for i in wide)
    assert max(int(i.rsplit("#", 1)[1].rstrip("]")) for i in wide if i.startswith("ldrsb")) <= 4095


def test_offsets_past_the_immediates_keep_the_c_walk():
    # 960 channels of 7 pixels: unrolled, the last column would lie 5760 bytes past the first;
    # a loop over blocks of 3 pixels moves the bases instead
    assert "bne 2b" in _instructions(dwc_asm.lines_routine("f", 960, 7, 7, 1, False))
    # 2100 channels of 3 pixels: 4200 bytes from the first column to the last, no loop to move
    assert dwc_asm.lines_routine("f", 2100, 3, 3, 1, False) is None
