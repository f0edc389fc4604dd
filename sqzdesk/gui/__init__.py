"""Qt only: windows, views and worker threads. Calls the engine; the engine never imports this."""
