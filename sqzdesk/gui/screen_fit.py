"""Window and dialog sizes that fit the screen they open on."""

from __future__ import annotations


def fitted_size(preferred: tuple[int, int], screen, fraction: tuple[float, float] = (0.9, 0.9),
                smallest: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """``preferred``, shrunk to ``fraction`` of the screen's free area where that is smaller, but never
    below ``smallest``; ``preferred`` as it is when there is no screen (``QScreen`` or None)."""
    width, height = preferred
    if screen is not None:
        free = screen.availableGeometry()
        width, height = min(width, int(free.width() * fraction[0])), min(height, int(free.height() * fraction[1]))
    return max(width, smallest[0]), max(height, smallest[1])
