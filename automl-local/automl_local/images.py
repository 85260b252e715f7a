"""Decoding images a client sent (training data, transform input, endpoint requests), with bounds.

Only PNG and JPEG are parsed (the types Autopilot's image jobs take). The pixel count is read from
the header and checked before any pixel is decoded, so a small file that claims a huge canvas (a
decompression bomb) costs nothing; Pillow's own MAX_IMAGE_PIXELS check stays on behind ours.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from automl_local.limits import MIB, format_size

if TYPE_CHECKING:
    from PIL import Image

MAX_IMAGE_BYTES = 32 * MIB
MAX_IMAGE_PIXELS = 36_000_000  # a 6000 x 6000 photo; its RGB decode is ~108 MB
FORMATS = ("PNG", "JPEG")


class ImageError(ValueError):
    """The bytes are not an image the backend will decode; the message says why."""


def decode_image(
    data: bytes,
    *,
    source: str = "the image",
    size: int | None = None,
    max_bytes: int = MAX_IMAGE_BYTES,
    max_pixels: int = MAX_IMAGE_PIXELS,
) -> Image.Image:
    """An RGB image; with ``size``, JPEGs decode straight at a reduced scale near ``size`` pixels.

    Raises :class:`ImageError` for anything but a PNG/JPEG within the limits.
    """
    from PIL import Image, UnidentifiedImageError

    if len(data) > max_bytes:
        raise ImageError(
            f"{source} has {len(data)} bytes; the local backend decodes images up to "
            f"{format_size(max_bytes)}."
        )
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
    except UnidentifiedImageError:
        raise ImageError(f"{source} is not a PNG or JPEG image.") from None
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as err:
        raise ImageError(f"{source} cannot be read as an image: {err}.") from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise ImageError(
            f"{source} is {width} x {height} pixels ({width * height} pixels); the local backend decodes "
            f"images of up to {max_pixels} pixels (a decompression bomb guard)."
        )
    try:
        if size is not None and image.format == "JPEG":
            image.draft("RGB", (size, size))  # libjpeg scales down while decoding: less memory and time
        image.load()
        return image.convert("RGB")
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError, EOFError) as err:
        raise ImageError(f"{source} cannot be decoded: {err}.") from None
