"""The entity list's order: by mentions, and names with as many mentions in the order the text gives them, so
the list reads the same on every run (a set's order follows the string hashes, which change per process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqzdesk.engine import Entity
from sqzdesk.gui.entity_panel import EntityPanel

TEXT = "Claire Dubois met Marc Keller, Anna Meier and Zoe Ba; Marc Keller spoke."


def _people(text: str) -> list[Entity]:
    names = ["Claire Dubois", "Marc Keller", "Anna Meier", "Zoe Ba"]
    out = [Entity(text.index(n), text.index(n) + len(n), "PER", n, 0.9) for n in names]
    second = text.rindex("Marc Keller")
    return out + [Entity(second, second + len("Marc Keller"), "PER", "Marc Keller", 0.9)]


def _rows(panel: EntityPanel) -> list[str]:
    group = panel.tree.topLevelItem(0)
    return [group.child(i).text(0) for i in range(group.childCount())]


def test_names_with_as_many_mentions_are_listed_in_text_order(qtbot):
    panel = EntityPanel()
    qtbot.addWidget(panel)
    panel.add_entities(_people(TEXT))
    panel.flush()
    assert _rows(panel) == ["Marc Keller", "Claire Dubois", "Anna Meier", "Zoe Ba"]


def test_the_order_is_the_same_under_other_string_hashes():
    script = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]); "
              f"sys.path.insert(0, {str(Path(__file__).parent)!r}); import test_gui_entity_panel as t; "
              "from sqzdesk.gui.entity_panel import EntityPanel; p = EntityPanel(); "
              "p.add_entities(t._people(t.TEXT)); p.flush(); print('|'.join(t._rows(p)))")
    seen = set()
    for seed in ("1", "2", "3", "4", "5"):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": seed, "QT_QPA_PLATFORM": "offscreen",
                                  "PATH": "/usr/bin:/bin"})
        seen.add(out.stdout.strip().splitlines()[-1])
    assert seen == {"Marc Keller|Claire Dubois|Anna Meier|Zoe Ba"}
