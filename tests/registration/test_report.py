"""The participation report: counts by state, category, member state, city and workshop, with fill rates."""

from __future__ import annotations

import csv
import io
import re

import pytest

from core.extensions import db
from registration import services


@pytest.fixture
def summit(make_event, make_user, enrol, make_room, make_session, make_signup):
    event = make_event(capacity=4)
    people = [
        ("van@moc.gov.vn", "Nguyễn Tường Văn", "VN", "government", "Hà Nội"),
        ("thuy@danang.gov.vn", "Trần Thị Thu Thủy", "VN", "city", "Da Nang"),
        ("tan@ura.gov.sg", "Tan Wei Ming", "SG", "city", "Singapore"),
        ("dewi@jakarta.go.id", "Dewi Lestari Wulandari", "ID", "city", "DKI Jakarta"),
        ("kenji@jasca.jp", "Kenji Sato", "JP", "partner", "Yokohama"),
        ("lim@asean.org", "Dato Lim Jock Hoi", "", "asean_secretariat", ""),
    ]
    registrations = [
        enrol(
            event,
            make_user(email, full_name=name, country=country or None),
            category=category,
            city=city,
            country=country,
        )
        for email, name, country, category, city in people
    ]
    # Four seats: the last two wait. Approve two, reject one (which moves the first in line up), cancel none.
    services.approve(registrations[0], None)
    services.approve(registrations[2], None)
    services.reject(registrations[3], None, "")
    db.session.commit()
    room = make_room(event, capacity=10)
    workshop = make_session(event, kind="workshop", title="Workshop 2: Hạ tầng số", room=room, capacity=2)
    make_signup(workshop, registrations[0])
    make_signup(workshop, registrations[2])
    make_signup(workshop, registrations[1], status="waitlisted")
    return event


@pytest.fixture
def organiser(make_user, sign_in):
    make_user("organiser@ascn.org", roles=["organiser"])
    sign_in("organiser@ascn.org")


def test_the_report_counts_every_grouping(client, organiser, summit):
    page = client.get(f"/manage/events/{summit.id}/report").get_data(as_text=True)
    assert "Participation report" in page
    assert "4 of 4" in page  # seats taken of capacity
    assert "Workshop 2: Hạ tầng số" in page


def test_the_csv_holds_the_same_figures(client, organiser, summit):
    response = client.get(f"/manage/events/{summit.id}/report.csv")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    by = {(row["section"], row["key"]): row for row in rows}
    overall = by[("overall", "all")]
    assert {k: overall[k] for k in ("registered", "approved", "pending", "waitlisted", "rejected", "total")} == {
        "registered": "4",
        "approved": "2",
        "pending": "2",  # Thu Thủy, and Kenji moved up when Dewi was rejected
        "waitlisted": "1",
        "rejected": "1",
        "total": "6",
    }
    assert (overall["capacity"], overall["fill_rate"]) == ("4", "1.000")
    assert [key for section, key in by if section == "country"] == ["ID", "SG", "VN", "JP", ""]
    assert by[("country", "VN")]["registered"] == "2"
    assert by[("country", "VN")]["label"] == "Vietnam"
    assert by[("category", "city")]["total"] == "3"
    assert by[("city", "Hà Nội")]["approved"] == "1"
    workshop = next(row for row in rows if row["section"] == "workshop")
    assert (workshop["label"], workshop["confirmed"], workshop["waitlisted_signups"]) == (
        "Workshop 2: Hạ tầng số",
        "2",
        "1",
    )
    assert (workshop["capacity"], workshop["fill_rate"]) == ("2", "1.000")


def test_the_report_is_for_organisers_only(client, make_user, sign_in, summit):
    make_user("focal@moc.gov.vn", roles=["focal_point"], country="VN")
    sign_in("focal@moc.gov.vn")
    assert client.get(f"/manage/events/{summit.id}/report").status_code == 403
    assert client.get(f"/manage/events/{summit.id}/report.csv").status_code == 403


def test_the_report_in_vietnamese(client, organiser, summit):
    client.get("/language/vi")
    page = client.get(f"/manage/events/{summit.id}/report").get_data(as_text=True)
    assert "Báo cáo tham dự" in page
    assert re.search(r"<th scope=\"row\">Việt Nam</th>", page)
