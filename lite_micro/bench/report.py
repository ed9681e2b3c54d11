"""Text rendering of a `bench` result (the dict that `--json` prints as is)."""
from __future__ import annotations


def render_text(result: dict) -> str:
    if result.get("target") == "host":
        return _render_host(result)
    lines = [
        f"{result['model']} on {result['target']}",
        f"  instructions      {result['instructions']:>14,}   (exact, one invoke, QEMU)",
        f"  est. cycles       {result['cycles_est']:>14,}   ({result['cycle_model']})",
        f"  MACs              {result['macs']:>14,}   {_per_mac(result['cycles_per_mac'])} cycles/MAC",
        f"  arena             {result['arena_bytes']:>14,} B",
        f"  flash code        {result['flash_code_bytes']:>14,} B   (whole firmware; "
        f"kernels {result.get('kernel_code_bytes', 0):,} B)",
        f"  flash data        {result['flash_data_bytes']:>14,} B   (whole firmware)",
        f"  static RAM        {result['ram_static_bytes']:>14,} B   (whole firmware, arena included)",
    ]
    if result.get("layers"):
        lines += ["", *_layer_table(result), "", *_kernel_table(result["layers"])]
    return "\n".join(lines) + "\n"


def _layer_table(result: dict) -> list[str]:
    head = (f"  {'#':>3}  {'op':<24} {'instructions':>13} {'est. cycles':>13} {'MACs':>11} {'cyc/MAC':>8}"
            f" {'flash B':>8} {'RAM B':>8}  kernel")
    rows = [head, "  " + "-" * (len(head) - 2 + 20)]
    for row in result["layers"]:
        rows.append(f"  {row['index']:>3}  {row['op']:<24} {row['instructions']:>13,} "
                    f"{row['cycles_est']:>13,} {row['macs']:>11,} {_per_mac(row['cycles_per_mac']):>8}"
                    f" {row.get('flash_bytes', 0):>8,} {row.get('ram_bytes', 0):>8,}  {row.get('kernel', '-')}")
    rows.append(f"  {'':>3}  {'(invoke outside layers)':<24} {result['overhead_instructions']:>13,} "
                f"{result['overhead_cycles_est']:>13,}")
    return rows


def _kernel_table(layers: list[dict]) -> list[str]:
    """Per kernel: layers, MACs, estimated cycles and cycles/MAC (the SMLAD limit is 0.5)."""
    totals: dict[str, list[int]] = {}
    for row in layers:
        t = totals.setdefault(row.get("kernel", "-"), [0, 0, 0])
        t[0] += 1
        t[1] += row["macs"]
        t[2] += row["cycles_est"]
    head = f"  {'kernel':<28} {'layers':>6} {'MACs':>11} {'est. cycles':>13} {'cyc/MAC':>8}"
    rows = [head, "  " + "-" * (len(head) - 2)]
    for name, (count, macs, cycles) in sorted(totals.items(), key=lambda kv: -kv[1][2]):
        per_mac = _per_mac(cycles / macs if macs else None)
        rows.append(f"  {name:<28} {count:>6} {macs:>11,} {cycles:>13,} {per_mac:>8}")
    return rows


def _per_mac(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def _render_host(result: dict) -> str:
    return "\n".join([
        f"{result['model']} on the host (wall clock, best of 3 rounds, invoke only)",
        f"  litemicro         {result['litemicro_us']:>12,.3f} us",
        f"  TFLM interpreter  {result['tflm_us']:>12,.3f} us",
        f"  speedup           {result['speedup']:>12.2f} x",
        f"  arena             {result['arena_bytes']:>12,} B",
        f"  MACs              {result['macs']:>12,}",
    ]) + "\n"
