"""Shared body of the PySide6 hooks in this folder (PyInstaller runs them instead of its own).

PyInstaller's Qt hooks collect every plugin of a type (all platforms, all platform themes, all image
formats, ...) and then analyse those plugins' link-time dependencies, so a plugin dropped only after
analysis still leaves its libraries behind (the gtk3 theme alone drags in GTK, cairo, pango, ...).
These hooks filter the plugin list *before* PyInstaller sees it. What to keep comes from the spec
(``hooksconfig={"sqzdesk_qt": {"plugins": [regex, ...], "translations": False}}``).
"""

from __future__ import annotations

import os
import re

from PyInstaller.utils.hooks import get_hook_config, logger
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

PLUGIN_FILE = re.compile(r"(?:lib)?(?P<name>[^/\\]+?)(?:\.so|\.dll|\.dylib)$")


def plugin_key(src: str, dest_dir: str) -> str | None:
    """``"platforms/qxcb"`` for ``.../plugins/platforms/libqxcb.so``; None if not a plugin."""
    parts = dest_dir.replace("\\", "/").split("/")
    if "plugins" not in parts:
        return None
    match = PLUGIN_FILE.search(os.path.basename(src))
    kind = parts[parts.index("plugins") + 1] if parts.index("plugins") + 1 < len(parts) else ""
    return f"{kind}/{match.group('name')}" if match else None


def collect(hook_file: str, hook_api) -> None:
    """Add the module's Qt dependencies, keeping only the configured plugins (and translations)."""
    hiddenimports, binaries, datas = add_qt6_dependencies(hook_file)
    patterns = get_hook_config(hook_api, "sqzdesk_qt", "plugins")
    keep_translations = get_hook_config(hook_api, "sqzdesk_qt", "translations")
    if patterns is not None:
        keep = re.compile("^(?:" + "|".join(patterns) + ")$")
        kept = []
        for src, dest in binaries:
            key = plugin_key(src, dest)
            if key is None or keep.match(key):
                kept.append((src, dest))
            else:
                logger.debug("sqzdesk: dropping Qt plugin %s", key)
        binaries = kept
    if keep_translations is False:
        datas = [(src, dest) for src, dest in datas if not src.endswith(".qm")]
    hook_api.add_imports(*hiddenimports)
    hook_api.add_binaries(binaries)
    hook_api.add_datas(datas)
