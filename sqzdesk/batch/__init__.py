"""Batch work over folders: scanning now; job queue, result store and exports build on it."""
