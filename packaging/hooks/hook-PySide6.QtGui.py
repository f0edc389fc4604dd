"""PySide6.QtGui with only the Qt plugins and translations the spec keeps (see sqzdesk_qt_hook)."""

from sqzdesk_qt_hook import collect


def hook(hook_api):
    collect(__file__, hook_api)
