"""Building generated C: a cffi module on the host (host.py), Cortex-M firmware
(firmware.py), and running that firmware on QEMU's emulated boards (qemu.py)."""
