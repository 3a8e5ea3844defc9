"""Reading badge PDFs the way a person or a scanner would, with libraries independent of the one that wrote them:
PDFium renders the pages, zxing-cpp decodes the QR codes, pdfplumber (pdfminer) reads the text and its place."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pdfplumber
import pypdfium2
import zxingcpp

MM = 72 / 25.4  # PDF points in a millimetre
DPI = 200


@dataclass
class Scan:
    text: str
    ec_level: str
    version: int
    left: int
    top: int
    right: int
    bottom: int


def render(pdf: bytes, page: int = 0, dpi: int = DPI):
    """The page as a PIL image, as a printer would put it on paper."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[page].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()


def page_count(pdf: bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def scan(pdf: bytes, page: int = 0, dpi: int = DPI) -> list[Scan]:
    """Every QR code zxing-cpp finds on the page, top to bottom, left to right."""
    found = []
    for barcode in zxingcpp.read_barcodes(render(pdf, page, dpi), formats=zxingcpp.BarcodeFormat.QRCode):
        corners = barcode.position
        xs = [corners.top_left.x, corners.top_right.x, corners.bottom_left.x, corners.bottom_right.x]
        ys = [corners.top_left.y, corners.top_right.y, corners.bottom_left.y, corners.bottom_right.y]
        found.append(
            Scan(barcode.text, barcode.ec_level, int(barcode.extra["Version"]), min(xs), min(ys), max(xs), max(ys))
        )
    return sorted(found, key=lambda s: (round(s.top / 100), s.left))


def codes(pdf: bytes) -> list[str]:
    """The QR codes of every page, in reading order."""
    return [found.text for page in range(page_count(pdf)) for found in scan(pdf, page)]


def text(pdf: bytes, page: int = 0, region: tuple[float, float, float, float] | None = None) -> str:
    """The page's text, or that of `region` (left, top, right, bottom in millimetres from the top left corner)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        chosen = document.pages[page]
        if region is not None:
            chosen = chosen.crop(tuple(value * MM for value in region))
        return chosen.extract_text()


def page_size_mm(pdf: bytes, page: int = 0) -> tuple[float, float]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return document.pages[page].width / MM, document.pages[page].height / MM


def lines_of(pdf: bytes, page: int = 0) -> list[dict]:
    """Text lines with their box in millimetres from the page's top left corner, and their font size."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        result = []
        for line in document.pages[page].extract_text_lines(return_chars=True):
            result.append(
                {
                    "text": line["text"],
                    "x0": line["x0"] / MM,
                    "x1": line["x1"] / MM,
                    "top": line["top"] / MM,
                    "bottom": line["bottom"] / MM,
                    "size": max(char["size"] for char in line["chars"]),
                    "fonts": {char["fontname"] for char in line["chars"]},
                }
            )
        return result
