"""Check a folder of images (``DIR/CLASS/IMAGE``) before TensorFlow reads it.

``keras.utils.image_dataset_from_directory`` skips files it cannot read by their name,
takes a one-class folder without a word, and upscales images smaller than the input; a
corrupt file stops ``fit`` with a traceback in the middle of an epoch. This module opens
every file's header with Pillow first and names the first one that is wrong, so the
train, evaluate and predict commands fail before they write anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from archdsl.errors import SpecError

# What Keras's image_dataset_from_directory reads (its ALLOWLIST_FORMATS), and the formats
# Pillow must find in those files for TensorFlow's decoder to read them.
EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
FORMATS = {"BMP", "GIF", "JPEG", "MPO", "PNG"}  # MPO: a JPEG with extra frames (many cameras)
GRAYSCALE_MODES = {"1", "L", "LA", "I", "I;16", "F"}


@dataclass(frozen=True)
class ImageFile:
    path: str
    width: int
    height: int
    grayscale: bool


@dataclass(frozen=True)
class ImageFolder:
    """A checked ``DIR/CLASS/IMAGE`` tree: class names in Keras's (sorted) order."""

    root: str
    classes: tuple[str, ...]
    counts: tuple[int, ...]
    hidden: int  # files whose names start with '.', which Keras never reads either
    grayscale: bool  # every image is grayscale

    @property
    def images(self) -> int:
        return sum(self.counts)


def read_image_file(path: str) -> ImageFile:
    """Open ``path``'s header; raise a SpecError naming it if it is not an image TF reads."""
    from PIL import Image, UnidentifiedImageError

    if not path.lower().endswith(EXTENSIONS):
        raise SpecError(
            None,
            f"{path}: not an image archdsl reads (it reads {', '.join(EXTENSIONS)});"
            " move it out of the folder",
        )
    try:
        with Image.open(path) as image:
            image.verify()  # checks the file's structure without decoding every pixel
            found, size, mode = image.format, image.size, image.mode
    except FileNotFoundError:
        raise SpecError(None, f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        reason = str(error).split("\n")[0] or type(error).__name__
        raise SpecError(None, f"{path}: cannot read it as an image ({reason})") from None
    if found not in FORMATS:
        raise SpecError(None, f"{path}: a {found} image, which TensorFlow cannot decode")
    return ImageFile(path, size[0], size[1], mode in GRAYSCALE_MODES)


def check_image_size(image: ImageFile, height: int, width: int) -> None:
    if image.height < height or image.width < width:
        raise SpecError(
            None,
            f"{image.path}: {image.width}x{image.height} pixels, smaller than the network's"
            f" input {width}x{height}; use larger images or a smaller --input",
        )


def check_channels(image: ImageFile, channels: int) -> None:
    if channels == 3:
        return
    if channels != 1:
        raise SpecError(
            None,
            f"the network's input has {channels} channels; images are read as RGB (3)"
            " or grayscale (1): --set input=HxWx3",
        )
    if not image.grayscale:
        raise SpecError(
            None,
            f"{image.path}: a color image, but the network's input has 1 channel;"
            " use --set input=HxWx3 for RGB images",
        )


def scan(root: str, input_shape: tuple[int, ...], what: str = "--data") -> ImageFolder:
    """Check every image under ``root`` against the network's (H, W, C) input."""
    if not os.path.exists(root):
        raise SpecError(None, f"{what} {root}: no such folder")
    if not os.path.isdir(root):
        raise SpecError(None, f"{what} {root}: not a folder (expected DIR/CLASS/IMAGE)")
    height, width, channels = input_shape
    classes, counts, hidden, grayscale = [], [], 0, True
    for entry in sorted(os.listdir(root)):
        path = os.path.join(root, entry)
        if entry.startswith("."):
            hidden += 1
            continue
        if not os.path.isdir(path):
            raise SpecError(
                None,
                f"{path}: a file beside the class folders; images go in {root}/CLASS/",
            )
        count = 0
        for folder, subfolders, files in os.walk(path):
            subfolders[:] = sorted(s for s in subfolders if not s.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    hidden += 1
                    continue
                image = read_image_file(os.path.join(folder, name))
                check_image_size(image, height, width)
                check_channels(image, channels)
                grayscale = grayscale and image.grayscale
                count += 1
        if count == 0:
            raise SpecError(None, f"{path}: a class folder with no images")
        classes.append(entry)
        counts.append(count)
    if not classes:
        raise SpecError(None, f"{what} {root}: no class folders (expected DIR/CLASS/IMAGE)")
    if len(classes) == 1:
        raise SpecError(
            None,
            f"{what} {root}: one class only ({classes[0]}); a classifier needs two or more"
            " class folders",
        )
    return ImageFolder(root, tuple(classes), tuple(counts), hidden, grayscale)
