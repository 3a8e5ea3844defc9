"""Printable badges: A6 portrait (one badge a page) or A4 with four A6 badges and cut marks.

A badge shows the event's name and dates, the full name large (shrunk to fit, on at most two lines), the
organisation and country, the QR code of `registration.badge_code`, and the category as a coloured band with its
English and Vietnamese label and a symbol of its own, so that colour-blind staff tell categories apart too
(Okabe–Ito palette + label + symbol). Text is set in Noto Sans (static/fonts, embedded as a subset), which has
every Vietnamese letter.

Speed (bench/bench_badges.py): the QR code is drawn as one path of rectangles, one per run of dark modules in a
row, written in whole module units under a scaling matrix, instead of an image per badge.
"""

from __future__ import annotations

import enum
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import qrcode
from babel import Locale
from babel.dates import format_interval
from flask_babel import force_locale
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from config import BASE_DIR
from events.models import Event
from registration.models import CATEGORY_LABELS, Category, Registration


class Layout(enum.StrEnum):
    A6 = "a6"
    A4_FOUR_UP = "a4-4up"


FONT_DIR = BASE_DIR / "static" / "fonts"
REGULAR = "BadgeNotoSans"
BOLD = "BadgeNotoSans-Bold"

# qrcode picks the best of the eight masks by scoring each in pure Python: 14 ms a code, 14 s for 1,000 badges on
# this machine, beyond the 10 s budget on its own. Our codes are base64 of a signature, so their modules are
# random-looking under any mask: over 150 codes mask 2 scored 7 % above the best mask on average (the eight
# masks' averages lie within 25 % of one another) and scanned as well. Any mask is valid QR; a fixed one costs
# 2 ms a code.
QR_MASK = 2
QR_QUIET_ZONE = 4  # modules of blank paper around the code, as the QR standard asks

INK = (0.1, 0.1, 0.1)
GREY = (0.33, 0.33, 0.33)


class Symbol(enum.StrEnum):
    CIRCLE = "circle"
    SQUARE = "square"
    STAR = "star"
    DIAMOND = "diamond"
    TRIANGLE = "triangle"
    CROSS = "cross"
    RING = "ring"
    HEXAGON = "hexagon"


@dataclass(frozen=True)
class CategoryStyle:
    """The band of a category: an Okabe–Ito colour, the text colour with the better contrast on it, a symbol."""

    colour: str
    ink: str
    symbol: Symbol


CATEGORY_STYLES = {
    Category.GOVERNMENT: CategoryStyle("#0072B2", "#FFFFFF", Symbol.CIRCLE),
    Category.CITY: CategoryStyle("#009E73", "#000000", Symbol.SQUARE),
    Category.ASEAN_SECRETARIAT: CategoryStyle("#F0E442", "#000000", Symbol.STAR),
    Category.PARTNER: CategoryStyle("#CC79A7", "#000000", Symbol.DIAMOND),
    Category.EXHIBITOR: CategoryStyle("#E69F00", "#000000", Symbol.TRIANGLE),
    Category.PRESS: CategoryStyle("#56B4E9", "#000000", Symbol.CROSS),
    Category.OBSERVER: CategoryStyle("#D55E00", "#000000", Symbol.RING),
    Category.ORGANISER: CategoryStyle("#000000", "#FFFFFF", Symbol.HEXAGON),
}

# ASEAN's own short names of its member states (shared/DOMAIN.md), where CLDR has others ("Vietnam", "Laos").
ASEAN_ENGLISH_NAMES = {
    "BN": "Brunei Darussalam",
    "LA": "Lao PDR",
    "MM": "Myanmar",
    "VN": "Viet Nam",
}


@dataclass(frozen=True)
class BadgeFace:
    """What one badge shows, every text final."""

    full_name: str
    organisation: str
    country: str
    category_en: str
    category_vi: str
    style: CategoryStyle
    code: str


@dataclass(frozen=True)
class EventFace:
    name: str
    dates: str


# What a badge shows ----------------------------------------------------------------------------------------------


def _nfc(text: str | None) -> str:
    # Decomposed input ("e" + combining marks) would put the marks beside the letter: the font's composed glyphs
    # are used instead, and extracted text reads the same as the name typed.
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


def country_line(code: str) -> str:
    """The country in English and Vietnamese ("Viet Nam · Việt Nam"), once when both are the same."""
    code = (code or "").upper()
    if not code:
        return ""
    english = ASEAN_ENGLISH_NAMES.get(code) or _territory("en", code)
    vietnamese = _territory("vi", code)
    return english if vietnamese in ("", english) else f"{english} · {vietnamese}"


def _territory(language: str, code: str) -> str:
    name = Locale.parse(language).territories.get(code, code)
    return name.split(" (")[0]  # "Myanmar (Miến Điện)": the short name is enough on a badge


def event_face(event: Event) -> EventFace:
    """The event's name and its dates in English and Vietnamese."""
    english = format_interval(event.starts_on, event.ends_on, "yMMMd", locale="en_GB")
    vietnamese = format_interval(event.starts_on, event.ends_on, "yMMMd", locale="vi")
    return EventFace(_nfc(event.name), f"{english} · {vietnamese}")


@cache
def _category_label(category: Category, language: str) -> str:
    with force_locale(language):
        return str(CATEGORY_LABELS[category]).upper()


def badge_face(registration: Registration) -> BadgeFace:
    category = registration.category
    return BadgeFace(
        full_name=_nfc(registration.full_name),
        organisation=_nfc(registration.organisation),
        country=country_line(registration.country),
        category_en=_category_label(category, "en"),
        category_vi=_category_label(category, "vi"),
        style=CATEGORY_STYLES[category],
        code=registration.badge_code,
    )


# The QR code -----------------------------------------------------------------------------------------------------


def qr_modules(code: str) -> list[list[bool]]:
    """The QR code of `code` as rows of modules (True = dark), quiet zone included; error correction M."""
    qr = qrcode.QRCode(
        version=_qr_version(len(code)), error_correction=ERROR_CORRECT_M, border=QR_QUIET_ZONE, mask_pattern=QR_MASK
    )
    qr.add_data(code, optimize=0)
    qr.make(fit=False)
    return qr.get_matrix()


@lru_cache(maxsize=16)
def _qr_version(length: int) -> int:
    """The smallest QR version holding `length` bytes at level M; asked once, as every badge code has one length
    (qrcode's own search for it took a fifth of the encoding time)."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    qr.add_data("a" * length, optimize=0)  # byte mode, the widest a code can need
    qr.make(fit=True)
    return qr.version


_DARK_RUN = re.compile(rb"\x01+")


def _qr_path(modules: Sequence[Sequence[bool]]) -> str:
    """PDF path operators: one `re` for each run of dark modules in a row, in module units, row 0 on top."""
    return " ".join(
        f"{run.start()} {row_index} {run.end() - run.start()} 1 re"
        for row_index, row in enumerate(modules)
        for run in _DARK_RUN.finditer(bytes(row))
    )


def _draw_qr(canvas: Canvas, code: str, left: float, top: float, size: float) -> None:
    modules = qr_modules(code)
    module = size / len(modules)
    # Scale to modules and flip the y axis, so the rectangles above are placed with whole numbers.
    canvas.addLiteral(f"q 0 0 0 rg {module:.5f} 0 0 {-module:.5f} {left:.3f} {top:.3f} cm {_qr_path(modules)} f Q")


# Text that fits ---------------------------------------------------------------------------------------------------


def fit_text(
    text: str, font: str, *, width: float, height: float, max_size: float, max_lines: int = 1
) -> tuple[float, list[str]]:
    """The largest size up to `max_size` at which `text` fits the box, on one line or (if that is larger) two.

    Long names go on two lines, split between words where the longer line is shortest; the size goes as low as
    needed, so the text never leaves the box.
    """
    if not text:
        return max_size, []
    leading = 1.2
    one_line_size = min(max_size, width / (pdfmetrics.stringWidth(text, font, 1) or 1), height / leading)
    two_line_size, two_lines = 0.0, []
    words = text.split(" ")
    if max_lines >= 2:
        for split in range(1, len(words)):
            first, second = " ".join(words[:split]), " ".join(words[split:])
            widest = max(pdfmetrics.stringWidth(first, font, 1), pdfmetrics.stringWidth(second, font, 1))
            size = min(max_size, width / widest, height / (2 * leading))
            if size > two_line_size:
                two_line_size, two_lines = size, [first, second]
    # Two lines only when they are clearly larger: a name reads best on one.
    if two_line_size > one_line_size * 1.15:
        return two_line_size, two_lines
    return one_line_size, [text]


def _draw_lines(canvas: Canvas, text: str, font: str, *, centre_x: float, top: float, **box) -> float:
    """Draw `text` centred below `top`, fitted to the box; return the y under the last line."""
    size, lines = fit_text(text, font, **box)
    canvas.setFont(font, size)
    y = top
    for line in lines:
        y -= size * 1.2
        canvas.drawCentredString(centre_x, y + size * 0.25, line)
    return y


# Symbols ----------------------------------------------------------------------------------------------------------


def _draw_symbol(canvas: Canvas, symbol: Symbol, cx: float, cy: float, r: float) -> None:
    """A filled (or, for the ring, outlined) shape of radius `r` around (cx, cy), in the current colours."""
    if symbol is Symbol.CIRCLE:
        canvas.circle(cx, cy, r, stroke=0, fill=1)
        return
    if symbol is Symbol.RING:
        canvas.setLineWidth(r * 0.35)
        canvas.circle(cx, cy, r * 0.82, stroke=1, fill=0)
        return
    if symbol is Symbol.SQUARE:
        side = r * 1.7
        canvas.rect(cx - side / 2, cy - side / 2, side, side, stroke=0, fill=1)
        return
    if symbol is Symbol.CROSS:
        arm, thick = r, r * 0.6
        canvas.rect(cx - arm, cy - thick / 2, 2 * arm, thick, stroke=0, fill=1)
        canvas.rect(cx - thick / 2, cy - arm, thick, 2 * arm, stroke=0, fill=1)
        return
    points = {
        Symbol.DIAMOND: [(0, 1), (0.8, 0), (0, -1), (-0.8, 0)],
        Symbol.TRIANGLE: [(0, 1), (0.95, -0.75), (-0.95, -0.75)],
        Symbol.HEXAGON: [(0, 1), (0.87, 0.5), (0.87, -0.5), (0, -1), (-0.87, -0.5), (-0.87, 0.5)],
        Symbol.STAR: _star_points(),
    }[symbol]
    path = canvas.beginPath()
    path.moveTo(cx + points[0][0] * r, cy + points[0][1] * r)
    for x, y in points[1:]:
        path.lineTo(cx + x * r, cy + y * r)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


@lru_cache(maxsize=1)
def _star_points() -> list[tuple[float, float]]:
    points = []
    for index in range(10):
        radius = 1 if index % 2 == 0 else 0.45
        angle = math.pi / 2 + index * math.pi / 5
        points.append((radius * math.cos(angle), radius * math.sin(angle)))
    return points


# One badge --------------------------------------------------------------------------------------------------------

BADGE_WIDTH, BADGE_HEIGHT = A6
MARGIN = 6 * mm
QR_SIZE = 46 * mm


def _draw_badge(canvas: Canvas, event: EventFace, face: BadgeFace, left: float, bottom: float) -> None:
    """One A6 badge with its lower left corner at (left, bottom)."""
    top = bottom + BADGE_HEIGHT
    centre = left + BADGE_WIDTH / 2
    inner = BADGE_WIDTH - 2 * MARGIN

    canvas.setFillColorRGB(*INK)
    y = _draw_lines(
        canvas,
        event.name,
        BOLD,
        centre_x=centre,
        top=top - MARGIN,
        width=inner,
        height=11 * mm,
        max_size=12,
        max_lines=2,
    )
    canvas.setFillColorRGB(*GREY)
    _draw_lines(canvas, event.dates, REGULAR, centre_x=centre, top=y, width=inner, height=4.5 * mm, max_size=9)

    canvas.setFillColor(_colour(face.style.colour))
    canvas.rect(left + MARGIN, top - 23 * mm, inner, 1.2 * mm, stroke=0, fill=1)

    # The name, centred in its box whether it takes one line or two.
    name_box = 22 * mm
    size, lines = fit_text(face.full_name, BOLD, width=inner, height=name_box, max_size=26, max_lines=2)
    block = len(lines) * size * 1.2
    y = top - 25 * mm - (name_box - block) / 2
    canvas.setFillColorRGB(*INK)
    canvas.setFont(BOLD, size)
    for line in lines:
        y -= size * 1.2
        canvas.drawCentredString(centre, y + size * 0.25, line)

    y = top - 48 * mm
    if face.organisation:
        y = _draw_lines(
            canvas,
            face.organisation,
            REGULAR,
            centre_x=centre,
            top=y,
            width=inner,
            height=10 * mm,
            max_size=11.5,
            max_lines=2,
        )
    if face.country:
        canvas.setFillColorRGB(*GREY)
        _draw_lines(canvas, face.country, REGULAR, centre_x=centre, top=y, width=inner, height=5 * mm, max_size=10.5)

    _draw_qr(canvas, face.code, centre - QR_SIZE / 2, top - 66 * mm, QR_SIZE)
    _draw_band(canvas, face, left + MARGIN, bottom + MARGIN, inner, 25 * mm)


def _draw_band(canvas: Canvas, face: BadgeFace, left: float, bottom: float, width: float, height: float) -> None:
    """The category: its colour, its symbol on both sides, its label in English and Vietnamese."""
    style = face.style
    canvas.setFillColor(_colour(style.colour))
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.setLineWidth(0.6)
    # An outline, so a band as pale as the paper (yellow on a poor printer) still shows its edge.
    canvas.roundRect(left, bottom, width, height, 2 * mm, stroke=1, fill=1)
    canvas.setFillColor(_colour(style.ink))
    canvas.setStrokeColor(_colour(style.ink))
    radius = 3.6 * mm
    for cx in (left + 8 * mm, left + width - 8 * mm):
        _draw_symbol(canvas, style.symbol, cx, bottom + height / 2, radius)
    text_width = width - 2 * (8 * mm + radius + 2 * mm)
    centre = left + width / 2
    size, _lines = fit_text(face.category_en, BOLD, width=text_width, height=9 * mm, max_size=18)
    canvas.setFont(BOLD, size)
    canvas.drawCentredString(centre, bottom + height / 2 + 1 * mm, face.category_en)
    size, _lines = fit_text(face.category_vi, REGULAR, width=text_width, height=7 * mm, max_size=12)
    canvas.setFont(REGULAR, size)
    canvas.drawCentredString(centre, bottom + height / 2 - 1 * mm - size, face.category_vi)


@cache
def _colour(hex_colour: str) -> Color:
    return HexColor(hex_colour)


# Documents --------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Load Noto Sans once per process (reportlab keeps fonts in a process-wide registry)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "NotoSans-Regular.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "NotoSans-Bold.ttf")))


def render_badges(event: Event, registrations: Iterable[Registration], layout: Layout = Layout.A6) -> bytes:
    """The PDF of the registrations' badges, in the order given."""
    return render_faces(event_face(event), [badge_face(r) for r in registrations], layout, title=event.name)


def render_faces(event: EventFace, faces: Sequence[BadgeFace], layout: Layout, *, title: str = "") -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    page_size = A4 if layout is Layout.A4_FOUR_UP else A6
    canvas = Canvas(buffer, pagesize=page_size, pageCompression=1, invariant=1)
    canvas.setTitle(_nfc(f"{title} – badges" if title else "Badges"))
    canvas.setAuthor("ASCN Summit")
    canvas.setCreator("ASCN Summit")
    if layout is Layout.A6:
        for face in faces:
            _draw_badge(canvas, event, face, 0, 0)
            canvas.showPage()
    else:
        for first in range(0, len(faces), 4):
            for place, face in enumerate(faces[first : first + 4]):
                left, bottom = _four_up_origin(place)
                _draw_badge(canvas, event, face, left, bottom)
            _draw_cut_marks(canvas)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _four_up_origin(place: int) -> tuple[float, float]:
    """Lower left corner of badge 0–3 on an A4 page: left to right, top to bottom, centred (A4 is 1 mm taller)."""
    column, row = place % 2, place // 2
    slack = (A4[1] - 2 * BADGE_HEIGHT) / 2
    return column * BADGE_WIDTH, A4[1] - slack - (row + 1) * BADGE_HEIGHT


def _draw_cut_marks(canvas: Canvas) -> None:
    """Marks on the sheet's edges along the two cuts, and a cross where they meet; the badges keep 6 mm clear."""
    width, height = A4
    middle_x, middle_y = BADGE_WIDTH, A4[1] / 2
    length = 5 * mm
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.setLineWidth(0.4)
    lines = [
        (middle_x, 0, middle_x, length),
        (middle_x, height - length, middle_x, height),
        (0, middle_y, length, middle_y),
        (width - length, middle_y, width, middle_y),
        (middle_x - 3 * mm, middle_y, middle_x + 3 * mm, middle_y),
        (middle_x, middle_y - 3 * mm, middle_x, middle_y + 3 * mm),
    ]
    canvas.lines(lines)
