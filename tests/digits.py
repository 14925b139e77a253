"""scikit-learn's handwritten digits written out as an image folder: real data, no network.

1,797 images of 8x8 pixels with 17 grey levels (0-16), 10 classes. Each is scaled to
0-255 and enlarged to SIZE x SIZE by pixel repetition (nearest neighbour), so a network
with a 32x32 input reads them without Keras resizing them.
"""

from __future__ import annotations

from pathlib import Path

SIZE = 32


def write_digits(root: Path, size: int = SIZE, per_class: int | None = None) -> Path:
    """Write ``root/<digit>/<index>.png`` (grayscale PNGs); return ``root``."""
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    seen: dict[int, int] = {}
    for index, (pixels, label) in enumerate(zip(digits.images, digits.target, strict=True)):
        label = int(label)
        if per_class is not None and seen.get(label, 0) >= per_class:
            continue
        seen[label] = seen.get(label, 0) + 1
        folder = root / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        grey = np.round(pixels * (255 / 16)).astype(np.uint8)
        image = Image.fromarray(grey, mode="L").resize((size, size), Image.Resampling.NEAREST)
        image.save(folder / f"{index:04d}.png")
    return root
