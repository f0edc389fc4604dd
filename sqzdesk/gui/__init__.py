"""Qt only: windows, views and worker threads. Calls the engine; the engine never imports this."""

from sqzdesk.gui.qt_compat import protect_none

protect_none()
