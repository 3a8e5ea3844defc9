"""The exhibition floor plan as SVG, drawn to scale from the booth data.

Each booth is a link to its page, labelled with its code and its status in words; the status is also told by a
pattern (hatching for held, cross-hatching for booked, dots for blocked), so the plan reads without colour. The
legend says the same. No script and no style attributes: presentation attributes only, which the CSP allows.
Pages show a plain list of the same booths beside it, for screen readers and phones.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from exhibitors.models import BOOTH_STATUS_LABELS, Booth, BoothStatus

SVG_NS = "http://www.w3.org/2000/svg"
SCALE = 20  # drawing units per metre
MARGIN = 1.5  # metres of hall floor drawn around the booths
HALL_LABEL = 2.0  # metres above each hall for its name
HALL_GAP = 2.0
LEGEND_ITEM = 10.0  # metres of width per legend entry
LEGEND_ROW = 2.2

# status -> (fill of the pattern's ground, ink of its marks, stroke of the booth)
PALETTE = {
    BoothStatus.AVAILABLE: ("#e3f4e8", "#e3f4e8", "#1e6b3a"),
    BoothStatus.HELD: ("#fff1c2", "#8a6200", "#8a6200"),
    BoothStatus.BOOKED: ("#d6e4f5", "#0b3d6e", "#0b3d6e"),
    BoothStatus.BLOCKED: ("#e2e3e5", "#41464b", "#41464b"),
}
HIGHLIGHT = "#b0155b"


@dataclass(frozen=True)
class PlanBooth:
    """What the plan needs of a booth."""

    id: int
    code: str
    hall: str
    x: Decimal
    y: Decimal
    width: Decimal
    depth: Decimal
    area_sqm: Decimal
    status: BoothStatus
    exhibitor_name: str | None = None

    @classmethod
    def of(cls, booth: Booth, exhibitor_name: str | None = None) -> PlanBooth:
        return cls(
            booth.id,
            booth.code,
            booth.hall,
            booth.x,
            booth.y,
            booth.width,
            booth.depth,
            booth.area_sqm,
            booth.status,
            exhibitor_name,
        )


def _u(metres) -> str:
    """Metres as drawing units, without needless decimals."""
    return f"{float(metres) * SCALE:.10g}"


def _el(parent, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, f"{{{SVG_NS}}}{tag}", {k.replace("_", "-"): str(v) for k, v in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _patterns(svg: ET.Element) -> None:
    defs = _el(svg, "defs")
    for status, (ground, ink, _stroke) in PALETTE.items():
        pattern = _el(defs, "pattern", id=f"fp-{status.value}", patternUnits="userSpaceOnUse", width=10, height=10)
        _el(pattern, "rect", width=10, height=10, fill=ground)
        if status is BoothStatus.HELD:  # hatching
            _el(pattern, "path", d="M-2,2 l4,-4 M0,10 l10,-10 M8,12 l4,-4", stroke=ink, stroke_width=1.6)
        elif status is BoothStatus.BOOKED:  # cross-hatching
            _el(pattern, "path", d="M0,0 L10,10 M10,0 L0,10", stroke=ink, stroke_width=1.1)
        elif status is BoothStatus.BLOCKED:  # dots
            _el(pattern, "circle", cx=5, cy=5, r=1.8, fill=ink)


def status_label(status: BoothStatus) -> str:
    return str(BOOTH_STATUS_LABELS[status])


def booth_description(booth: PlanBooth) -> str:
    """The booth in words: code, status, size and who is there (the accessible name of its link)."""
    parts = [
        _("Booth %(code)s", code=booth.code),
        status_label(booth.status),
        _("%(area)s m²", area=f"{float(booth.area_sqm):g}"),
    ]
    if booth.exhibitor_name:
        parts.append(booth.exhibitor_name)
    return ", ".join(parts)


def render_floorplan(
    booths: Iterable[PlanBooth],
    *,
    title: str,
    link_for: Callable[[PlanBooth], str],
    highlight: Iterable[int] = (),
    highlight_label: str | None = None,
    standalone: bool = False,
) -> str:
    """The plan's SVG markup: halls one below the other, each booth a link, and the legend."""
    highlight = set(highlight)
    halls: dict[str, list[PlanBooth]] = {}
    for booth in sorted(booths, key=lambda b: (b.hall, b.code)):
        halls.setdefault(booth.hall, []).append(booth)
    extents = {
        hall: (
            max(float(b.x + b.width) for b in members) + 2 * MARGIN,
            max(float(b.y + b.depth) for b in members) + 2 * MARGIN,
        )
        for hall, members in halls.items()
    }
    plan_width = max([width for width, _depth in extents.values()] + [LEGEND_ITEM * 2])
    legend_entries = list(PALETTE) + (["highlight"] if highlight else [])
    per_row = max(1, int(plan_width // LEGEND_ITEM))
    legend_height = LEGEND_ROW * -(-len(legend_entries) // per_row) + 0.8
    plan_height = sum(HALL_LABEL + depth + HALL_GAP for _width, depth in extents.values()) + legend_height

    ET.register_namespace("", SVG_NS)
    svg = ET.Element(
        f"{{{SVG_NS}}}svg",
        {
            "viewBox": f"0 0 {_u(plan_width)} {_u(plan_height)}",
            "class": "floorplan",
            "role": "group",
            "aria-labelledby": "floorplan-title",
            "font-family": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif",
        },
    )
    if standalone:
        svg.set("width", _u(plan_width))
        svg.set("height", _u(plan_height))
    _el(svg, "title", title, id="floorplan-title")
    _patterns(svg)

    top = 0.0
    for hall, members in halls.items():
        width, depth = extents[hall]
        group = _el(svg, "g", **{"data-hall": hall})
        _el(group, "text", hall, x=_u(0.2), y=_u(top + HALL_LABEL * 0.7), font_size=_u(0.9), font_weight="bold")
        origin = top + HALL_LABEL
        _el(group, "rect", x=0, y=_u(origin), width=_u(width), height=_u(depth), fill="#ffffff", stroke="#6c757d")
        for booth in members:
            _draw_booth(group, booth, origin, link_for(booth), booth.id in highlight)
        top = origin + depth + HALL_GAP
    _legend(svg, legend_entries, top, per_row, highlight_label or _("This exhibitor's booth"))
    return ET.tostring(svg, encoding="unicode")


def _draw_booth(group: ET.Element, booth: PlanBooth, origin: float, href: str, highlighted: bool) -> None:
    x, y = float(booth.x) + MARGIN, origin + float(booth.y) + MARGIN
    width, depth = float(booth.width), float(booth.depth)
    link = _el(
        group,
        "a",
        href=href,
        id=f"booth-{booth.code}",
        **{
            "class": "fp-booth" + (" fp-highlight" if highlighted else ""),
            "data-booth-code": booth.code,
            "data-status": booth.status.value,
            "aria-label": booth_description(booth),
        },
    )
    _el(link, "title", booth_description(booth))
    stroke = HIGHLIGHT if highlighted else PALETTE[booth.status][2]
    _el(
        link,
        "rect",
        x=_u(x),
        y=_u(y),
        width=_u(width),
        height=_u(depth),
        fill=f"url(#fp-{booth.status.value})",
        stroke=stroke,
        stroke_width=5 if highlighted else 1.5,
    )
    code_size = min(0.8, width / 4.2, depth / 2.8)
    centre_x, centre_y = x + width / 2, y + depth / 2
    halo = {"stroke": "#ffffff", "stroke_width": _u(code_size * 0.18), "paint-order": "stroke"}
    _el(
        link,
        "text",
        booth.code,
        x=_u(centre_x),
        y=_u(centre_y),
        font_size=_u(code_size),
        font_weight="bold",
        text_anchor="middle",
        fill="#1b1b1b",
        **halo,
    )
    _el(
        link,
        "text",
        status_label(booth.status),
        x=_u(centre_x),
        y=_u(centre_y + code_size * 1.05),
        font_size=_u(code_size * 0.62),
        text_anchor="middle",
        fill="#1b1b1b",
        **halo,
    )


def _legend(svg: ET.Element, entries: list, top: float, per_row: int, highlight_label: str) -> None:
    legend = _el(svg, "g", **{"class": "fp-legend", "aria-label": _("Legend")})
    for index, entry in enumerate(entries):
        row, column = divmod(index, per_row)
        x, y = 0.2 + column * LEGEND_ITEM, top + row * LEGEND_ROW
        if entry == "highlight":
            fill, stroke, width, label = "#ffffff", HIGHLIGHT, 5, highlight_label
        else:
            fill, stroke, width, label = f"url(#fp-{entry.value})", PALETTE[entry][2], 1.5, status_label(entry)
        size = _u(1.4)
        _el(legend, "rect", x=_u(x), y=_u(y), width=size, height=size, fill=fill, stroke=stroke, stroke_width=width)
        _el(legend, "text", label, x=_u(x + 1.8), y=_u(y + 1.05), font_size=_u(0.75), fill="#1b1b1b")
