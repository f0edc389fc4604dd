"""The CPU's speed class for int8 inference, printed with every benchmark, recorded in bundle manifests and shown
beside speeds measured on the user's computer (:mod:`sqzdesk.engine.speed`).

Stdlib only (``bench/models.py`` runs without the ``train`` extra). The class decides which speed figures
apply: int8 MatMuls are ~2x fp32 with AVX-512 VNNI and no faster than fp32 on AVX2-only machines.
"""

from __future__ import annotations

import platform
from pathlib import Path

ISA_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile",
             "amx_int8", "amx_bf16")


def cpu_info() -> tuple[str, list[str], str]:
    """(model name, the ISA flags of interest it has, a speed-class line)."""
    name, flags = platform.processor() or platform.machine(), set[str]()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and name in ("", platform.machine(), platform.processor()):
                name = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    present = [f for f in ISA_FLAGS if f in flags]
    return name, present, speed_class(flags)


def speed_class(flags: set[str]) -> str:
    if "amx_int8" in flags:
        base = "AVX-512 VNNI + AMX"
    elif "avx512_vnni" in flags:
        base = "AVX-512 VNNI"
    elif "avx512f" in flags:
        base = "AVX-512 (no VNNI)"
    elif "avx_vnni" in flags:
        base = "AVX2 + AVX-VNNI"
    elif "avx2" in flags:
        base = "AVX2 only"
    elif flags:
        base = "no AVX2"
    else:
        return "unknown (no /proc/cpuinfo)"
    return base
