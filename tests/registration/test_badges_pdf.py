"""A badge as printed: its QR code read by an independent decoder, its text, its size, its category band."""

from __future__ import annotations

import itertools

import pytest

from registration.badges import CATEGORY_STYLES, Layout, render_badges
from registration.models import Category
from tests.registration.badge_pdf import (
    codes,
    lines_of,
    page_count,
    page_size_mm,
    render,
    scan,
    text,
)

LONG_NAME = "Siti Nurhaliza binti Haji Ahmad"


@pytest.fixture
def event(make_event):
    return make_event(name="ASCN Annual Meeting 2020", city="Hà Nội")


@pytest.fixture
def van(event, make_user, make_registration):
    user = make_user("van@danang.gov.vn", full_name="Nguyễn Tường Văn", language="vi")
    return make_registration(event, user, organisation="Sở Xây dựng Đà Nẵng", country="VN", category="city")


def test_the_qr_code_holds_the_badge_code_with_its_quiet_zone_and_level_m(event, van):
    pdf = render_badges(event, [van])

    found = scan(pdf, dpi=300)
    assert [f.text for f in found] == [van.badge_code]
    assert found[0].ec_level == "M"

    # Four modules of blank paper on every side of the symbol (17 + 4 × version modules across).
    code = found[0]
    module = (code.right - code.left) / (17 + 4 * code.version)
    image = render(pdf, dpi=300).convert("L")
    quiet = int(4 * module) - 2
    for x0, y0, x1, y1 in (
        (code.left - quiet, code.top - quiet, code.right + quiet, code.top - 2),  # above
        (code.left - quiet, code.bottom + 2, code.right + quiet, code.bottom + quiet),  # below
        (code.left - quiet, code.top, code.left - 2, code.bottom),  # left
        (code.right + 2, code.top, code.right + quiet, code.bottom),  # right
    ):
        darkest, _lightest = image.crop((x0, y0, x1, y1)).getextrema()
        assert darkest > 200, ((x0, y0, x1, y1), darkest)


def test_the_text_holds_every_diacritic_and_both_languages(event, van):
    pdf = render_badges(event, [van])
    badge = text(pdf)
    assert "Nguyễn Tường Văn" in badge
    assert "Sở Xây dựng Đà Nẵng" in badge
    assert "Viet Nam · Việt Nam" in badge
    assert "CITY" in badge
    assert "THÀNH PHỐ" in badge
    assert "ASCN Annual Meeting 2020" in badge
    assert "2–4 Dec 2020" in badge
    assert "thg 12, 2020" in badge


def test_the_font_is_embedded_as_a_subset_of_noto_sans(event, van):
    pdf = render_badges(event, [van])
    assert b"/FontFile2" in pdf
    fonts = set().union(*(line["fonts"] for line in lines_of(pdf)))
    assert fonts
    assert all(font.split("+")[1] in ("NotoSans-Regular", "NotoSans-Bold") for font in fonts), fonts


def test_an_a6_badge_is_105_by_148_mm(event, van):
    pdf = render_badges(event, [van], Layout.A6)
    width, height = page_size_mm(pdf)
    assert (round(width, 1), round(height, 1)) == (105.0, 148.0)


def test_nine_badges_four_up_on_a4_take_three_pages_in_order(event, make_user, make_registration):
    registrations = [
        make_registration(event, make_user(full_name=f"Delegate {n}"), country="LA", category="government")
        for n in range(9)
    ]
    pdf = render_badges(event, registrations, Layout.A4_FOUR_UP)

    assert page_count(pdf) == 3
    width, height = page_size_mm(pdf)
    assert (round(width), round(height)) == (210, 297)
    assert [len(scan(pdf, page)) for page in range(3)] == [4, 4, 1]
    assert codes(pdf) == [r.badge_code for r in registrations]
    # Each badge keeps its A6 cell: the first page's top right badge is the second delegate's.
    assert "Delegate 1" in text(pdf, region=(105, 0, 210, 148))
    assert "Delegate 2" in text(pdf, region=(0, 148, 105, 297))


def test_a4_sheets_carry_cut_marks_on_the_cutting_lines(event, make_user, make_registration):
    registrations = [make_registration(event, make_user(full_name=f"Delegate {n}")) for n in range(4)]
    image = render(render_badges(event, registrations, Layout.A4_FOUR_UP), dpi=150).convert("L")
    px = 150 / 25.4
    middle_x, middle_y = round(105 * px), round(148.5 * px)
    # On the sheet's edges, where the guillotine goes in, and at the crossing of the two cuts.
    for x, y in ((middle_x, 2 * px), (middle_x, 295 * px), (2 * px, middle_y), (208 * px, middle_y)):
        window = image.crop((int(x) - 2, int(y) - 2, int(x) + 3, int(y) + 3))
        assert window.getextrema()[0] < 128, (x, y)
    crossing = image.crop((middle_x - 2, middle_y - 2, middle_x + 3, middle_y + 3))
    assert crossing.getextrema()[0] < 128


def test_a_short_name_is_large_on_one_line(event, van):
    name = [line for line in lines_of(render_badges(event, [van])) if line["text"] == "Nguyễn Tường Văn"]
    assert len(name) == 1
    assert name[0]["size"] >= 24


def test_a_long_name_goes_on_two_large_lines_within_the_badge(event, make_user, make_registration):
    siti = make_registration(event, make_user(full_name=LONG_NAME), country="MY")
    lines = lines_of(render_badges(event, [siti]))
    name_lines = [line for line in lines if line["size"] > 14 and line["top"] > 20 and line["bottom"] < 50]
    assert " ".join(line["text"] for line in name_lines) == LONG_NAME
    assert len(name_lines) == 2
    assert min(line["size"] for line in name_lines) >= 20
    for line in name_lines:
        assert line["x0"] >= 6 - 0.1, line
        assert line["x1"] <= 99 + 0.1, line


@pytest.mark.parametrize(
    "name", [LONG_NAME, "Pengiran Anak Puteri Hajah Rashidah Sa'adatul Bolkiah", "Trần Thị Đoan Trang Nguyễn Hoàng"]
)
def test_two_lines_split_where_the_longer_line_is_shortest(app, name):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from registration.badges import BOLD, fit_text, register_fonts

    register_fonts()
    size, lines = fit_text(name, BOLD, width=93 * 72 / 25.4, height=22 * 72 / 25.4, max_size=26, max_lines=2)
    assert len(lines) == 2
    assert " ".join(lines) == name
    words = name.split(" ")
    narrowest = min(
        max(stringWidth(" ".join(words[:split]), BOLD, 1), stringWidth(" ".join(words[split:]), BOLD, 1))
        for split in range(1, len(words))
    )
    assert max(stringWidth(line, BOLD, 1) for line in lines) == pytest.approx(narrowest)
    assert max(stringWidth(line, BOLD, size) for line in lines) <= 93 * 72 / 25.4 + 0.01


@pytest.mark.parametrize(
    "name",
    [
        "Maria Clara de los Santos y Villanueva-Rodriguez de la Cruz Fernández Gonçalves Nguyễn Thị Minh Khai",
        "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessenschafewarenwohlgepflege",
    ],
)
def test_a_very_long_name_still_fits_the_badge(event, make_user, make_registration, name):
    registration = make_registration(event, make_user(full_name=name), organisation="Bộ Xây dựng " * 15)
    pdf = render_badges(event, [registration], Layout.A4_FOUR_UP)
    lines = lines_of(pdf)
    assert name.replace(" ", "") in "".join(line["text"] for line in lines).replace(" ", "")
    for line in lines:
        # Inside the first badge's cell (105 × 148 mm, 6 mm margins), whatever the text.
        assert line["x0"] >= 6 - 0.1, line
        assert line["x1"] <= 99 + 0.1, line
        assert line["bottom"] <= 148, line
    assert scan(pdf)[0].text == registration.badge_code


def test_each_category_has_its_colour_label_and_symbol(event, make_user, make_registration):
    registrations = [
        make_registration(event, make_user(full_name=f"Person {category.value}"), category=category.value)
        for category in Category
    ]
    pdf = render_badges(event, registrations)
    px = 100 / 25.4
    band_colours, symbols = {}, {}
    for page, category in enumerate(Category):
        image = render(pdf, page, dpi=100)
        # The band runs 6–31 mm above the bottom edge: its colour near its left end, its symbol 8 mm in.
        band_y = round((148 - 6 - 12.5) * px)
        band_colours[category] = image.getpixel((round(8.5 * px), band_y))
        crop = image.crop((round(9.5 * px), round(band_y - 4.5 * px), round(18.5 * px), round(band_y + 4.5 * px)))
        symbols[category] = _shape(crop, band_colours[category])
        badge = text(pdf, page)
        label_en, label_vi = _labels(category)
        assert label_en in badge, (category, badge)
        assert label_vi in badge, (category, badge)
        assert scan(pdf, page)[0].text == registrations[page].badge_code

    for category, colour in band_colours.items():
        expected = _rgb(CATEGORY_STYLES[category].colour)
        assert all(abs(a - b) <= 3 for a, b in zip(colour, expected, strict=True)), (category, colour, expected)
    assert len(set(band_colours.values())) == len(Category)
    # Two renderings of one shape differ only in anti-aliased edge pixels; the closest two shapes (a circle and a
    # hexagon) differ in 7.9 % of the square around them.
    for first, second in itertools.combinations(Category, 2):
        differing = sum(a != b for a, b in zip(symbols[first], symbols[second], strict=True))
        assert differing / len(symbols[first]) > 0.03, (first, second)


def _shape(crop, background) -> bytes:
    """Where the crop differs from the band's colour: the symbol's outline, whatever its colours."""
    return bytes(
        1 if sum(abs(a - b) for a, b in zip(crop.getpixel((x, y)), background, strict=True)) > 120 else 0
        for y in range(crop.height)
        for x in range(crop.width)
    )


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def _labels(category: Category) -> tuple[str, str]:
    from flask_babel import force_locale

    from registration.models import CATEGORY_LABELS

    with force_locale("en"):
        english = str(CATEGORY_LABELS[category]).upper()
    with force_locale("vi"):
        vietnamese = str(CATEGORY_LABELS[category]).upper()
    assert english != vietnamese
    return english, vietnamese


def test_a_name_typed_with_combining_marks_prints_and_reads_composed(event, make_user, make_registration):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Lê Hoàng Trung")
    registration = make_registration(event, make_user(full_name=decomposed))
    assert "Lê Hoàng Trung" in text(render_badges(event, [registration]))
