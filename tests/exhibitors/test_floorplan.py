"""The demo hall's floor plan as SVG, read back with a DOM parser of its own (minidom, not the ElementTree that
wrote it): 35 booths to scale with their codes, each a link, the status in words and patterns, and a legend."""

from __future__ import annotations

from xml.dom import minidom

import pytest
from sqlalchemy import select

from core.extensions import db
from exhibitors.cli import demo_booths
from exhibitors.floorplan import SCALE
from exhibitors.models import Booking, BookingStatus, Exhibitor

SVG = "http://www.w3.org/2000/svg"


@pytest.fixture
def demo(cli):
    result = cli.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def _parse(markup):
    return minidom.parseString(markup)  # noqa: S318 (our own server's output, in a test)


def _booth_links(document) -> list:
    return [a for a in document.getElementsByTagNameNS(SVG, "a") if a.getAttribute("data-booth-code")]


def _texts(element) -> list[str]:
    return [
        "".join(node.data for node in text.childNodes if node.nodeType == node.TEXT_NODE)
        for text in element.getElementsByTagNameNS(SVG, "text")
    ]


def test_the_demo_plan_has_35_booths_drawn_to_scale_with_their_codes(client, demo):
    response = client.get("/events/ascn-2020/floorplan.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    document = _parse(response.data)
    svg = document.documentElement
    assert (svg.namespaceURI, svg.localName) == (SVG, "svg")
    assert svg.getAttribute("width")
    assert svg.getAttribute("viewBox")

    links = _booth_links(document)
    expected = {booth["code"]: booth for booth in demo_booths()}
    assert len(expected) == 35
    assert sorted(a.getAttribute("data-booth-code") for a in links) == sorted(expected)
    for link in links:
        code = link.getAttribute("data-booth-code")
        assert code in _texts(link)  # the code is written on the booth
        assert link.getAttribute("href").startswith("http://summit.test/events/ascn-2020/booths/")
        rect = link.getElementsByTagNameNS(SVG, "rect")[0]
        assert float(rect.getAttribute("width")) == pytest.approx(float(expected[code]["width"]) * SCALE)
        assert float(rect.getAttribute("height")) == pytest.approx(float(expected[code]["depth"]) * SCALE)

    statuses = {a.getAttribute("data-status") for a in links}
    assert statuses == {"available", "held", "booked", "blocked"}


def test_status_is_told_in_words_and_patterns_not_by_colour_alone(client, demo):
    document = _parse(client.get("/events/ascn-2020/floorplan.svg").data)
    words = {"available": "Available", "held": "Held", "booked": "Booked", "blocked": "Blocked"}
    fills = {}
    for link in _booth_links(document):
        status = link.getAttribute("data-status")
        assert words[status] in _texts(link)
        assert words[status] in link.getAttribute("aria-label")
        fills.setdefault(status, set()).add(link.getElementsByTagNameNS(SVG, "rect")[0].getAttribute("fill"))
    assert fills == {status: {f"url(#fp-{status})"} for status in words}
    patterns = {p.getAttribute("id"): p for p in document.getElementsByTagNameNS(SVG, "pattern")}
    marks = {
        status: len(patterns[f"fp-{status}"].getElementsByTagNameNS(SVG, "path"))
        + len(patterns[f"fp-{status}"].getElementsByTagNameNS(SVG, "circle"))
        for status in words
    }
    assert marks["available"] == 0
    assert all(marks[s] > 0 for s in ("held", "booked", "blocked"))
    legend = [g for g in document.getElementsByTagNameNS(SVG, "g") if g.getAttribute("class") == "fp-legend"][0]
    assert set(_texts(legend)) == set(words.values())


def test_the_plan_page_shows_the_svg_inline_with_a_plain_list(client, demo):
    page = client.get("/events/ascn-2020/exhibition/plan").get_data(as_text=True)
    assert page.count('class="fp-booth') == 35
    assert page.count('class="booth-list-item') == 35
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_an_exhibitors_page_highlights_its_booth(client, demo):
    booking = db.session.scalar(select(Booking).where(Booking.status == BookingStatus.CONFIRMED).order_by(Booking.id))
    exhibitor = db.session.get(Exhibitor, booking.exhibitor_id)
    page = client.get(f"/events/ascn-2020/exhibitors/{exhibitor.id}").get_data(as_text=True)
    svg = _parse("<svg" + page.split("<svg", 1)[1].split("</svg>", 1)[0] + "</svg>")
    highlighted = [a for a in _booth_links(svg) if "fp-highlight" in a.getAttribute("class")]
    assert [a.getAttribute("data-booth-code") for a in highlighted] == [booking.booth.code]
    assert exhibitor.name in highlighted[0].getAttribute("aria-label")
    assert "This exhibitor's booth" in page
    assert 'aria-current="true"><strong>' + booking.booth.code in page
