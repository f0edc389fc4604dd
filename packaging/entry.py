"""PyInstaller entry point for the standalone ``sqzdesk`` binary: the same ``main`` as the console script."""

import sys

from sqzdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
