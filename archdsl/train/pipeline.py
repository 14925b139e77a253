"""How images become network inputs: kept in run.json, reused by evaluate and predict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pipeline:
    """The network's input shape, the scale applied to [0, 255] pixels, the batch size."""

    input_shape: tuple[int, int, int]
    scale: float | None  # 1/255 as the seeds rescale; None when the network rescales itself
    batch_size: int

    @property
    def color_mode(self) -> str:
        return "grayscale" if self.input_shape[2] == 1 else "rgb"

    def prepare(self, images: Any) -> Any:
        return images * self.scale if self.scale is not None else images
