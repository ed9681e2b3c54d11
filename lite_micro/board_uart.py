"""Register-level UART and cycle-counter code for real boards, from the board file's [uart] table.

The board file gives the facts of its part (addresses, pin, alternate function, the clock the
part runs on after reset, the register bits that switch the UART's clocks on); this module
turns them into the numbers `lm_board_uart.c.j2` prints: the baud-rate divisor, the GPIO
mode and alternate-function masks, the register addresses of the chosen register layout.

Two STM32 register layouts exist:
- "sr_dr": SR, DR, BRR, CR1 at 0x00, 0x04, 0x08, 0x0C (STM32F1, F2, F4);
- "isr_tdr": CR1, BRR, ISR, TDR at 0x00, 0x0C, 0x1C, 0x28 (STM32F0, F3, F7, L4, G4, U5, H7),
  also the layout of the low-power LPUART.
"""

from __future__ import annotations

import re

from .errors import LiteMicroError

# register offsets: (CR1, BRR, status, transmit data)
LAYOUTS = {"sr_dr": (0x0C, 0x08, 0x00, 0x04), "isr_tdr": (0x00, 0x0C, 0x1C, 0x28)}
CR1_ENABLE = {"sr_dr": (1 << 13) | (1 << 3), "isr_tdr": (1 << 0) | (1 << 3)}  # UE | TE
GPIO_MODER, GPIO_AFRL, GPIO_AFRH = 0x00, 0x20, 0x24
DWT_CORES = ("cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55")
_PIN = re.compile(r"P([A-K])(\d{1,2})$")


def uart_context(board_name: str, core: str, uart: dict) -> dict:
    """The values `lm_board_uart.c.j2` prints for one board (all numbers as C literals)."""
    try:
        layout = uart["layout"]
        cr1, brr, status, tx = LAYOUTS[layout]
        base, clock, baud = int(uart["base"]), int(uart["clock_hz"]), int(uart["baud"])
        factor = int(uart.get("brr_factor", 1))
        pin = _pin_number(uart["tx_pin"])
        gpio, af = int(uart["gpio_base"]), int(uart["af"])
        setup = [(_hex(int(a)), _hex(int(bits)), str(note)) for a, bits, note in uart["setup"]]
        name = str(uart["name"])
    except (KeyError, TypeError, ValueError) as exc:
        raise LiteMicroError(f"board file {board_name}.toml: [uart] is malformed ({exc})") from None
    divisor = (factor * clock + baud // 2) // baud
    afr = gpio + (GPIO_AFRL if pin < 8 else GPIO_AFRH)
    return {
        "name": name, "tx_pin_name": uart["tx_pin"], "baud": baud, "af": af,
        "clock_hz": clock, "clock_mhz": f"{clock / 1e6:g}",
        "brr": divisor, "brr_note": f"{factor} x {clock} Hz / {baud} baud, rounded",
        "cr1": _hex(base + cr1), "brr_reg": _hex(base + brr), "status": _hex(base + status),
        "tx": _hex(base + tx), "enable": _hex(CR1_ENABLE[layout]), "setup": setup,
        "moder": _hex(gpio + GPIO_MODER), "moder_mask": _hex(3 << (2 * pin)),
        "moder_af": _hex(2 << (2 * pin)),
        "afr": _hex(afr), "afr_mask": _hex(0xF << (4 * (pin % 8))), "afr_bits": _hex(af << (4 * (pin % 8))),
        "dwt": core in DWT_CORES,
    }


def _pin_number(name) -> int:
    match = _PIN.match(str(name))
    if match is None or int(match.group(2)) > 15:
        raise ValueError(f"tx_pin '{name}' is not a pin name such as PA2")
    return int(match.group(2))


def _hex(value: int) -> str:
    return f"0x{value:08X}"
