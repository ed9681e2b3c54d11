"""Estimated cycles as time: `bench --clock-mhz` and `report --clock-mhz`.

`bench` defaults to the clock of the target's reference part (`clock_mhz` in targets/*.toml);
`report` takes one only when given.
"""

from __future__ import annotations

from .errors import LiteMicroError


def latency_ms(cycles: int | None, clock_mhz: float | None) -> float | None:
    """cycles / clock in milliseconds (3 decimals); None without cycles or without a clock."""
    if clock_mhz is not None and not clock_mhz > 0:
        raise LiteMicroError("--clock-mhz must be a positive number of MHz")
    if cycles is None or clock_mhz is None:
        return None
    return round(cycles / (clock_mhz * 1e3), 3)


def add_to_bench(result: dict, clock_mhz: float | None) -> dict:
    """A `bench` result with `clock_mhz` and `latency_ms_est` (whole invoke and per layer)."""
    if clock_mhz is None or "cycles_est" not in result:
        return result
    out = dict(result, clock_mhz=clock_mhz, latency_ms_est=latency_ms(result["cycles_est"], clock_mhz))
    out["layers"] = [dict(row, latency_ms_est=latency_ms(row["cycles_est"], clock_mhz))
                     for row in result.get("layers", [])]
    return out


def bench_line(result: dict) -> str:
    """The text line `bench` prints under its table, or '' without a clock."""
    if result.get("latency_ms_est") is None:
        return ""
    return (f"  est. latency      {result['latency_ms_est']:>14,.3f} ms at {result['clock_mhz']:g} MHz "
            f"(estimated cycles / clock, no wait states)")
