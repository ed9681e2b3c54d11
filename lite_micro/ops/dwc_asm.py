"""The inner lines of a depthwise 3x3 column walk (lm_dwconv_3x3_cols.h) as one assembly routine
per instance, written here from the instance's geometry.

The C walk keeps five weight pairs, the requantization's multiplier and rounding word, three
running sums, a column's values and the pointers live: fifteen values for fourteen registers, and
the compiler spills weights and reloads the starting sums inside the line. This routine
gives each its own register (r0 input, r1 output, r2 r3 a column, r4..r6 the sums, r7..r9 the
kernel columns' pairs of rows 0 and 1, r10 row 2's (w20, w21), r11 w22 over the right shift,
r12 the multiplier, lr the rounding word), reads the starting sums from its frame next to the
column's loads (a load right after a load costs one cycle) and runs every channel of a call:
its set-up (weights doubled, starting sums), its top line, inner lines and bottom line. When
the three input rows lie beyond the load immediates of one base (wide rows), rows 1 and 2 get
base registers r12 and lr instead, and the multiplier and rounding word are read from the frame
per output (three cycles more). The line's columns are unrolled (which pixels a
column feeds, which kernel column it is for each, where a pixel starts and ends: constants), or,
for lines with LOOP (or whose unrolled offsets would not fit the immediates), a loop over blocks
of 3 * PASS pixels between unrolled edges (the C walk, lm_dwc_line, splits its lines the same way
with its own LM_DWC_PASS).

Per input column j: LDRSB rows 0 and 1, PKHBT to the pair (x0, x1), LDRSB row 2; for each pixel
whose window holds j (kernel column kc): SMLAD with (w0kc, w1kc), SMLABB/SMLABT of row 2 with
w2kc; a pixel's first column starts from its starting sum (mid, or left/right with the padded
column's zero-point term), after its last: ADD, SMMLAR, ASR, SSAT, STRB (mode 3 of
lm_dwconv_3x3_tiny.h: doubled sums, SSAT clamp).
"""

from __future__ import annotations

# 3 * PASS pixels per loop pass: measured on cortex-m4, 4 against 2 takes VWW's 48-pixel lines
# from 2.15 to 2.07 cycles/MAC, 112-pixel lines of 32 channels from 2.58 to 2.49
PASS = 4
EDGE_PASS = 2                # ... for the top and bottom lines (VWW: 2.4 KB of code less, 1 k more cycles)
ACC = ("r4", "r5", "r6")     # pixel ox's sum: ACC[ox % 3]
PAIR = ("r7", "r8", "r9")    # (w0kc, w1kc) for kc = 0, 1, 2
ROW2 = (("smlabb", "r10"), ("smlabt", "r10"), ("smlabt", "r11"))   # row 2's weight for kc
# the frame: the channel's starting sums (per kind of line: mid, left, right), the end of its
# inner lines, the call's geometry (lm_dwc_call), a scratch word (the end of a line's loop) and
# the channel loop's pointers
SUMS = {"full": 0, "top": 12, "bottom": 24}
FRAME = {"end": 36, "line_in": 40, "line_out": 44, "top": 48, "bottom": 52, "top_adv": 56, "inner": 60,
         "q": 64, "o": 68, "wp": 72, "rec": 76, "wp_end": 80, "end_off": 84, "zp": 88, "m": 92, "h": 96}
FRAME_BYTES = 100
# Wide rows (three input rows beyond the immediates of one base): rows 1 and 2 from their own
# base registers (r12, lr), the multiplier and rounding word from the frame.
BASES = ("r0", "r12", "lr")
IMM = 4095                   # the largest offset of LDRSB/STRB with an immediate


def _pixels(iw: int, ow: int, s: int, pl: int):
    """Per pixel: (first column, last column, starting sum's frame slot)."""
    out = []
    for ox in range(ow):
        x0 = ox * s - pl
        first, last = max(x0, 0), min(x0 + 2, iw - 1)
        kind = "left" if x0 < 0 else "right" if x0 + 2 >= iw else "mid"
        out.append((first, last, kind))
    return out


def _at(k: int, off: int, row: int, wide: bool) -> str:
    """The address of input row k (of the line's three) at column offset off."""
    return f"[{BASES[k]}, #{off}]" if wide else f"[r0, #{off + k * row}]"


def _loads(off: int, row: int, kind: str, starts: list[str], wide: bool = False) -> list[str]:
    """One column's loads (r2: the pair of rows 0 and 1, or row 1 alone in a top line; r3: row 2,
    or nothing in a bottom line) and the starting sums of the pixels that start at it."""
    if kind == "top":                   # kernel row 0 in the padding: r0 at kernel row 1
        return [f"ldrsb r2, {_at(0, off, row, wide)}", f"ldrsb r3, {_at(1, off, row, wide)}", *starts]
    code = [f"ldrsb r2, {_at(0, off, row, wide)}", f"ldrsb r3, {_at(1, off, row, wide)}", *starts,
            "pkhbt r2, r2, r3, lsl #16"]
    return code + ([f"ldrsb r3, {_at(2, off, row, wide)}"] if kind == "full" else [])


def _macs(acc: str, kc: int, kind: str) -> list[str]:
    """A column's taps in kernel column kc added to acc."""
    op, w = ROW2[kc]
    if kind == "top":
        return [f"smlabt {acc}, r2, {PAIR[kc]}, {acc}", f"{op} {acc}, r3, {w}, {acc}"]
    code = [f"smlad {acc}, r2, {PAIR[kc]}, {acc}"]
    return code + ([f"{op} {acc}, r3, {w}, {acc}"] if kind == "full" else [])


def _column(j: int, base_col: int, base_px: int, pixels, geo, kind: str = "full") -> list[str]:
    """The instructions for input column j of a line of `kind` (full, top: kernel row 0 in the
    padding, bottom: kernel row 2), offsets relative to r0 at column base_col and r1 at pixel
    base_px."""
    c, co, s, pl, row = geo["C"], geo["CO"], geo["S"], geo["PL"], geo["IW"] * geo["C"]
    users = [ox for ox, (a, b, _) in enumerate(pixels) if a <= j <= b]
    slot = {"mid": 0, "left": 4, "right": 8}
    starts = [f"ldr {ACC[ox % 3]}, [sp, #{SUMS[kind] + slot[pixels[ox][2]]}]" for ox in users if pixels[ox][0] == j]
    code = _loads((j - base_col) * c, row, kind, starts, geo["wide"])
    for ox in users:
        code += _macs(ACC[ox % 3], j - (ox * s - pl), kind)
    for ox in users:
        if pixels[ox][1] == j:
            acc = ACC[ox % 3]
            code += ([f"ldrd r2, r3, [sp, #{FRAME['m']}]", f"add r3, r3, {acc}, asr #31",
                      f"smmlar r2, {acc}, r2, r3"] if geo["wide"] else
                     [f"add r2, lr, {acc}, asr #31", f"smmlar r2, {acc}, r12, r2"])
            code += ["asr r2, r2, r11", "ssat r2, #8, r2", f"strb r2, [r1, #{(ox - base_px) * co}]"]
    return code


def _offsets_fit(code: list[str]) -> bool:
    return all(int(ins.rsplit("#", 1)[1].rstrip("]")) <= IMM for ins in code if "[" in ins and "[sp" not in ins)


def _moves(geo: dict, op: str, reg: str) -> list[str]:
    """The input pointer(s) moved by register reg (op: add or sub)."""
    return [f"{op} {b}, {b}, {reg}" for b in (BASES if geo["wide"] else BASES[:1])]


def _add(reg: str, value: int) -> list[str]:
    """reg += value (value >= 0)."""
    if value == 0:
        return []
    if value <= IMM:
        return [f"addw {reg}, {reg}, #{value}"]
    return [f"movw r3, #{value}", f"add {reg}, {reg}, r3"]


def line_code(c: int, dm: int, iw: int, ow: int, s: int, pl: int, loop: int, kind: str = "full",
              wide: bool = False):
    """One line's instructions (r0, r1 at the line's input and output on entry, the same on
    exit), or None when an offset does not fit an immediate. loop: 0 for a line unrolled whole,
    else its inner columns in a loop over blocks of 3 * loop pixels."""
    geo = {"C": c, "CO": c * dm, "IW": iw, "S": s, "PL": pl, "wide": wide}
    pixels = _pixels(iw, ow, s, pl)
    used = [j for j in range(iw) if any(a <= j <= b for a, b, _ in pixels)]
    hi = ow - 1 if (ow - 1) * s - pl + 2 >= iw else ow
    a = max((pl - 1) * s + 3 - pl, 0)
    p = 3 * max(loop, 1) * s
    blocks = max(hi * s - pl - a, 0) // p if loop else 0
    if not blocks:
        code = [ins for j in used for ins in _column(j, 0, 0, pixels, geo, kind)]
        return code if _offsets_fit(code) else None
    adv_in, adv_out = p * c, 3 * loop * c * dm
    code = [ins for j in used if j < a for ins in _column(j, 0, 0, pixels, geo, kind)]
    code += [f"movw r2, #{blocks * adv_in}", "add r2, r0, r2", f"str r2, [sp, #{FRAME['inner']}]",
             f"{LOOP_LABEL[kind]}:"]
    code += [ins for j in range(a, a + p) for ins in _column(j, 0, 0, pixels, geo, kind)]
    code += ([f"movw r3, #{adv_in}", *_moves(geo, "add", "r3")] if wide else _add("r0", adv_in)) + _add("r1", adv_out)
    code += [f"ldr r2, [sp, #{FRAME['inner']}]", "cmp r0, r2", f"bne {LOOP_LABEL[kind]}b"]
    tail = [j for j in used if j >= a + blocks * p]
    code += [ins for j in tail for ins in _column(j, blocks * p, blocks * 3 * loop, pixels, geo, kind)]
    code += [f"movw r3, #{blocks * adv_in}", *_moves(geo, "sub", "r3"), f"movw r3, #{blocks * adv_out}",
             "sub r1, r1, r3"]
    return code if _offsets_fit(code) else None


LOOP_LABEL = {"full": 2, "top": 6, "bottom": 7}

# the routine's entry: lm_dwc_call's words into the frame (the end of the weights for the count
# of channels)
ENTRY = ["push {r4, r5, r6, r7, r8, r9, r10, r11, lr}", f"sub sp, sp, #{FRAME_BYTES}",
         "ldmia r0, {r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12}",
         f"strd r1, r2, [sp, #{FRAME['q']}]", f"strd r3, r4, [sp, #{FRAME['wp']}]",
         "add r5, r5, r5, lsl #1", "add r5, r3, r5, lsl #2", f"str r5, [sp, #{FRAME['wp_end']}]",
         f"str r6, [sp, #{FRAME['end_off']}]", f"strd r7, r8, [sp, #{FRAME['line_in']}]",
         f"strd r9, r10, [sp, #{FRAME['top']}]", f"str r11, [sp, #{FRAME['top_adv']}]",
         f"str r12, [sp, #{FRAME['zp']}]"]
# per channel: its weights (12 bytes, column_pair_weights) doubled into r7..r11 with the right
# shift under w22, its record (2 bias, multiplier, 2 hi_add, shift) into r5, r12, lr, r6, the
# starting sums (the padded taps' in_zp terms) into the frame, r0 and r1 at its first line
SETUP = ["ldr r0, [sp, #{wp}]", "ldr r1, [sp, #{rec}]", "ldmia r0!, {{r2, r3, r4}}",
         "ldrd r5, r12, [r1, #0]", "ldrd lr, r6, [r1, #8]", "adds r1, r1, #16",
         "str r0, [sp, #{wp}]", "str r1, [sp, #{rec}]",
         "sxtb16 r7, r2", "sxtb16 r8, r2, ror #8", "sxtb16 r9, r3", "sxtb16 r10, r3, ror #8", "sxtb r11, r4",
         "sadd16 r7, r7, r7", "sadd16 r8, r8, r8", "sadd16 r9, r9, r9", "sadd16 r10, r10, r10",
         "lsl r11, r11, #17", "bfi r11, r6, #0, #8",
         "ldr r0, [sp, #{zp}]", "pkhbt r0, r0, r0, lsl #16",
         "smlad r1, r0, r7, r5", "smlabb r1, r0, r10, r1", "smlad r2, r0, r9, r5", "smlabt r2, r0, r11, r2",
         "strd r5, r1, [sp, #{sum_full}]", "str r2, [sp, #{sum_full8}]"]
TOP_SUMS = ["smlabb r3, r0, r7, r5", "smlabb r3, r0, r8, r3", "smlabb r3, r0, r9, r3",
            "smlabt r1, r0, r7, r3", "smlabb r1, r0, r10, r1", "smlabt r2, r0, r9, r3", "smlabt r2, r0, r11, r2",
            "strd r3, r1, [sp, #{sum_top}]", "str r2, [sp, #{sum_top8}]"]
BOTTOM_SUMS = ["smlad r3, r0, r10, r5", "smlabt r3, r0, r11, r3", "smlad r1, r0, r7, r3", "smlad r2, r0, r9, r3",
               "strd r3, r1, [sp, #{sum_bottom}]", "str r2, [sp, #{sum_bottom8}]"]
START = ["ldrd r0, r1, [sp, #{q}]", "adds r2, r0, #1", "adds r3, r1, #1", "strd r2, r3, [sp, #{q}]",
         "ldr r2, [sp, #{end_off}]", "add r2, r0, r2", "str r2, [sp, #{end}]"]
NEXT = ["ldr r2, [sp, #{wp}]", "ldr r3, [sp, #{wp_end}]", "cmp r2, r3", "bne 8b"]
EXIT = ["add sp, sp, #{frame}", "pop {{r4, r5, r6, r7, r8, r9, r10, r11, pc}}"]
OFFSETS = dict(FRAME, frame=FRAME_BYTES, **{f"sum_{k}": v for k, v in SUMS.items()},
               **{f"sum_{k}8": v + 8 for k, v in SUMS.items()})


def _fill(code: list[str]) -> list[str]:
    return [ins.format(**OFFSETS) for ins in code]


def _edge(flag: str, known: bool | None, code: list[str], label: int) -> list[str]:
    """code when the call has the edge line `flag` (top or bottom): always or never when the
    instance knows (known), else behind the call's word."""
    if known is not None:
        return code if known else []
    return [f"ldr r4, [sp, #{FRAME[flag]}]", f"cbz r4, {label}f", *code, f"{label}:"] if len(code) < 20 else \
        [f"ldr r4, [sp, #{FRAME[flag]}]", "cmp r4, #0", f"beq {label}f", *code, f"{label}:"]


def channel_code(c: int, dm: int, iw: int, ow: int, s: int, pl: int, loop: int,
                 edges: tuple[bool, bool] | None = None, wide: bool = False) -> list[str] | None:
    """One channel: its set-up, the top line (kernel row 0 in the padding; then the input moves
    to the first inner line), the inner lines until r0 reaches the end, the bottom line (kernel
    row 2 in the padding); edges: (top, bottom) when the instance knows them (a map's rows built
    in), else the call says."""
    # a top or bottom line runs once per channel: smaller blocks, less code
    lines = {kind: line_code(c, dm, iw, ow, s, pl, loop if kind == "full" else min(loop, EDGE_PASS), kind, wide)
             for kind in ("top", "full", "bottom")}
    if any(v is None for v in lines.values()):
        return None
    geo = {"wide": wide}
    top, bottom = edges if edges is not None else (None, None)
    top_line = [*lines["top"], f"ldr r2, [sp, #{FRAME['top_adv']}]", f"ldr r3, [sp, #{FRAME['line_out']}]",
                *_moves(geo, "add", "r2"), "add r1, r1, r3"]
    # wide rows: the multiplier and rounding word to the frame, the rows' bases from r0
    rq = [f"strd r12, lr, [sp, #{FRAME['m']}]"] if wide else []
    bases = [f"movw r2, #{iw * c}", "add r12, r0, r2", "add lr, r12, r2"] if wide else []
    return (_fill(SETUP) + rq + _edge("top", top, _fill(TOP_SUMS), 9) + _edge("bottom", bottom, _fill(BOTTOM_SUMS), 9)
            + _fill(START) + bases + _edge("top", top, top_line, 3)
            + [f"ldr r2, [sp, #{FRAME['end']}]", "cmp r0, r2", "beq 4f", "1:",
               *lines["full"], f"ldrd r2, r3, [sp, #{FRAME['line_in']}]", *_moves(geo, "add", "r2"), "add r1, r1, r3",
               f"ldr r2, [sp, #{FRAME['end']}]", "cmp r0, r2", "bne 1b", "4:"]
            + _edge("bottom", bottom, lines["bottom"], 5))


def lines_routine(fn: str, c: int, iw: int, ow: int, pl: int, loop: bool,
                  edges: tuple[bool, bool] | None = None) -> str | None:
    """C source of the naked routine `fn(const lm_dwc_call *call)` (DSP cores with GCC's
    optimizer, LM_DWC_ASM): every channel of one call, or None when the geometry does not fit it."""
    body = None
    # one base register if the rows fit its immediates; a loop of smaller blocks where a line
    # unrolled (or a larger block) would reach past them
    for wide in (False, True):
        for passes in dict.fromkeys((PASS if loop else 0, PASS, 2, 1)):
            body = body or channel_code(c, 1, iw, ow, 1, pl, passes, edges, wide)
    if body is None:
        return None
    text = "".join(f'        "{ins}\\n\\t"\n' for ins in ENTRY + ["8:"] + body + _fill(NEXT) + _fill(EXIT))
    return (f"__attribute__((naked, noinline)) static void {fn}(const lm_dwc_call *call __attribute__((unused)))\n"
            f"{{\n    __asm__ volatile(\n{text}        ::: \"memory\");\n}}\n")
