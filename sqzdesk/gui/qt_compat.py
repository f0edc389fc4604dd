"""Work around a reference-count bug in the installed PySide6, before any window is built.

PySide6 6.12.0 returns ``None`` from every void C++ method without taking a reference to it. On
Python 3.12+ ``None`` is immortal and nothing happens; on 3.11 each call (``setText``, ``update``,
``setPosition``…) drops ``None``'s count by one, and after a few thousand calls the interpreter aborts
with "Fatal Python error: none_dealloc". A GUI makes that many calls in seconds.

The fix gives ``None`` what 3.12 gives it: a count so large that no session can exhaust it. It runs
only where the bug is observed (a probe calls a void method and watches the count), so a fixed
PySide6 or a newer Python is left alone. The real fix is a PySide6 release without the bug; see
the GUI report.
"""

from __future__ import annotations

import ctypes
import sys

_PROBE_CALLS = 64
_IMMORTAL_SHARE = 1 << 40
applied = False


def none_refcount_leaks() -> bool:
    """True when calling a void PySide6 method takes a reference away from ``None``."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("probe")
    return sys.getrefcount(None) <= before - _PROBE_CALLS // 2


def protect_none() -> bool:
    """Apply the fix if this PySide6 needs it; returns whether it was applied (once per process)."""
    global applied
    if applied or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return applied
    if none_refcount_leaks():
        ctypes.c_ssize_t.from_address(id(None)).value += _IMMORTAL_SHARE
        applied = True
    return applied
