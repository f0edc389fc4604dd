"""The CPU's speed class: the engine's (:mod:`sqzdesk.engine.cpu`), which the app shows beside speeds measured
here; kept under this name for the release step and the benches."""

from sqzdesk.engine.cpu import ISA_FLAGS, cpu_info, speed_class

__all__ = ["ISA_FLAGS", "cpu_info", "speed_class"]
