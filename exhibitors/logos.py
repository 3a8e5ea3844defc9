"""Exhibitors' logos: raster images only, recognised by their content, re-encoded so that nothing but pixels is kept.

SVG is refused: a logo is shown on public pages, and an SVG can carry script; sanitising it safely is a project of
its own. PNG, JPEG and WebP cover what companies send.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from core.errors import ValidationFailed

# Pillow's format name -> the content type we serve it with.
ACCEPTED = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MAX_SIDE = 4000  # pixels; a larger "logo" is a photograph or a decompression bomb


@dataclass(frozen=True)
class CheckedLogo:
    content_type: str
    data: bytes
    width: int
    height: int


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed("validation_failed", _("Some fields are not valid."), fields={"logo": [message]})


def check_logo(data: bytes) -> CheckedLogo:
    """The logo as we keep it: its type told by its bytes, not its name. Raises ValidationFailed on `logo`."""
    limit = current_app.config["EXHIBITOR_LOGO_MAX_BYTES"]
    if not data:
        raise _refuse(_("The logo file is empty."))
    if len(data) > limit:
        raise _refuse(_("The logo is larger than %(size)s MB.", size=f"{limit / 1024 / 1024:g}"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                probe.verify()  # checks the file's structure; the image must be opened again to be used
            with Image.open(io.BytesIO(data)) as image:
                if image_format not in ACCEPTED:
                    raise _refuse(_("Send the logo as a PNG, JPEG or WebP image."))
                if max(image.size) > MAX_SIDE:
                    raise _refuse(_("The logo is too large: at most %(side)d pixels a side.", side=MAX_SIDE))
                image.load()
                return _reencode(image, image_format)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning) as exc:
        raise _refuse(_("This file is not a PNG, JPEG or WebP image.")) from exc


def _reencode(image: Image.Image, image_format: str) -> CheckedLogo:
    """Save the pixels again: drops metadata, trailing bytes and anything hidden beside the image."""
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    output = io.BytesIO()
    options = {"quality": 90} if image_format in ("JPEG", "WEBP") else {"optimize": True}
    image.save(output, format=image_format, **options)
    return CheckedLogo(ACCEPTED[image_format], output.getvalue(), image.width, image.height)
