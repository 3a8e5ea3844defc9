"""Organisers and focal points at work: the list (filters, accent-free search), bulk decisions, registering a
delegate, one registration's page, and what a focal point may not see or do."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.auth.models import User
from core.extensions import db
from core.mail.models import OutboxMessage
from registration.models import Registration, RegistrationStatus


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/manage/registrations/\d+">([^<]+)</a>', html)


@pytest.fixture
def people(make_user):
    return {
        "van": make_user("van@moc.gov.vn", full_name="Nguyễn Tường Văn", country="VN"),
        "trung": make_user("trung@moc.gov.vn", full_name="Lê Hoàng Trung", country="VN"),
        "tan": make_user("tan@ura.gov.sg", full_name="Tan Wei Ming", country="SG"),
    }


@pytest.fixture
def organiser(make_user, sign_in):
    make_user("organiser@ascn.org", roles=["organiser"], full_name="Phạm Thu Hà")
    sign_in("organiser@ascn.org")


def test_the_list_searches_without_diacritics_and_filters(client, organiser, people, make_event, enrol):
    event = make_event()
    enrol(event, people["van"], organisation="Bộ Xây dựng")
    trung = enrol(event, people["trung"], category="city", city="Đà Nẵng")
    enrol(event, people["tan"], category="partner")
    from registration import services

    services.approve(trung, None)
    db.session.commit()
    url = f"/manage/events/{event.id}/registrations"

    assert _names(client.get(url).get_data(as_text=True)) == ["Lê Hoàng Trung", "Nguyễn Tường Văn", "Tan Wei Ming"]
    assert _names(client.get(url + "?q=nguyen").get_data(as_text=True)) == ["Nguyễn Tường Văn"]
    assert _names(client.get(url + "?q=BO XAY").get_data(as_text=True)) == ["Nguyễn Tường Văn"]
    assert _names(client.get(url + "?q=da nang").get_data(as_text=True)) == ["Lê Hoàng Trung"]
    assert _names(client.get(url + "?status=approved").get_data(as_text=True)) == ["Lê Hoàng Trung"]
    assert _names(client.get(url + "?category=partner").get_data(as_text=True)) == ["Tan Wei Ming"]
    assert _names(client.get(url + "?country=SG").get_data(as_text=True)) == ["Tan Wei Ming"]
    filtered = client.get(url + "?country=SG").get_data(as_text=True)
    export = re.search(r'href="([^"]*registrations\.csv[^"]*)"', filtered).group(1).replace("&amp;", "&")
    exported = client.get(export).get_data(as_text=True)
    assert "Tan Wei Ming" in exported
    assert "Nguyễn" not in exported  # the export follows the list's filters
    assert f'href="/events/{event.id}/registrations/import"' in filtered
    page = client.get(url + "?status=nonsense&q=")
    assert page.status_code == 200  # an unknown filter value is ignored, not a 500
    assert len(_names(page.get_data(as_text=True))) == 3


def test_bulk_approval_approves_what_fits_and_names_what_does_not(
    client, organiser, people, make_event, enrol, post_form
):
    event = make_event(capacity=1)
    seated = enrol(event, people["van"])
    waiting = enrol(event, people["tan"])
    assert (seated.status, waiting.status) == (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED)
    url = f"/manage/events/{event.id}/registrations"
    page = post_form(
        f"{url}/decide",
        {"action": "approve", "registration_ids": [seated.id, waiting.id]},
        form_url=url,
        follow_redirects=True,
    )
    text = page.get_data(as_text=True)
    assert "1 registration approved." in text
    assert "Tan Wei Ming: The event is full: no in-person seat is left." in text
    db.session.expire_all()
    assert db.session.get(Registration, seated.id).status is RegistrationStatus.APPROVED
    assert db.session.get(Registration, waiting.id).status is RegistrationStatus.WAITLISTED


def test_bulk_rejection_keeps_the_reason_and_moves_the_waiting_list_up(
    client, organiser, people, make_event, enrol, post_form
):
    event = make_event(capacity=2)
    first, second, third = (enrol(event, people[name]) for name in ("van", "trung", "tan"))
    url = f"/manage/events/{event.id}/registrations"
    post_form(
        f"{url}/decide",
        {"action": "reject", "registration_ids": [first.id, second.id], "reason": "Trùng lặp với đăng ký khác"},
        form_url=url,
    )
    db.session.expire_all()
    rejected = [db.session.get(Registration, r.id) for r in (first, second)]
    assert [(r.status, r.decision_reason) for r in rejected] == [
        (RegistrationStatus.REJECTED, "Trùng lặp với đăng ký khác")
    ] * 2
    # Two seats came free: the one waiting moves up, to pending (the event is moderated).
    assert db.session.get(Registration, third.id).status is RegistrationStatus.PENDING


def test_a_decision_without_ticks_or_token_changes_nothing(client, organiser, people, make_event, enrol, post_form):
    event = make_event()
    registration = enrol(event, people["van"])
    url = f"/manage/events/{event.id}/registrations"
    assert "Tick the registrations" in post_form(
        f"{url}/decide", {"action": "approve"}, form_url=url, follow_redirects=True
    ).get_data(as_text=True)
    client.post(f"{url}/decide", data={"action": "approve", "registration_ids": [registration.id]})  # no CSRF token
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status is RegistrationStatus.PENDING


def test_the_registration_page_approves_rejects_with_reason_and_cancels(
    client, organiser, people, make_event, enrol, post_form
):
    event = make_event()
    registration = enrol(event, people["van"], dietary="Ăn chay")
    url = f"/manage/registrations/{registration.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Nguyễn Tường Văn" in page
    assert "Ăn chay" in page
    post_form(f"{url}/reject", {"reason": "Không đúng đối tượng"}, form_url=url)
    db.session.expire_all()
    assert registration.status is RegistrationStatus.REJECTED
    assert "Không đúng đối tượng" in client.get(url).get_data(as_text=True)
    post_form(f"{url}/approve", {}, form_url=url)
    db.session.expire_all()
    assert registration.status is RegistrationStatus.APPROVED
    post_form(f"{url}/cancel", {}, form_url=url)
    db.session.expire_all()
    assert registration.status is RegistrationStatus.CANCELLED


def test_an_organiser_registers_a_delegate_creating_the_account(client, organiser, make_event, post_form):
    event = make_event()
    url = f"/manage/events/{event.id}/registrations/new"
    refused = post_form(url, {"email": "not-an-email", "full_name": "", "country": "VN", "category": "government"})
    assert refused.status_code == 200
    assert db.session.scalar(select(Registration.id)) is None
    data = {
        "email": "Thu.Thuy@DaNang.gov.vn",
        "full_name": "Trần Thị Thu Thủy",
        "language": "vi",
        "category": "city",
        "attendance": "in_person",
        "country": "VN",
        "city": "Da Nang",
        "consent_data_processing": "y",
    }
    page = post_form(url, data, follow_redirects=True).get_data(as_text=True)
    assert "Trần Thị Thu Thủy is registered (pending)." in page
    person = db.session.scalar(select(User).where(User.email == "thu.thuy@danang.gov.vn"))
    assert (person.full_name, person.language) == ("Trần Thị Thu Thủy", "vi")
    subjects = [
        m.subject for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == person.email))
    ]
    assert len(subjects) == 2  # the invitation to choose a password, and the registration received
    assert post_form(url, data).status_code == 200  # registering the same person again is refused on the form
    assert db.session.query(Registration).count() == 1


@pytest.fixture
def focal_point(make_user, sign_in):
    make_user("focal@moc.gov.vn", roles=["focal_point"], country="VN", full_name="Nguyễn Văn Hùng")
    sign_in("focal@moc.gov.vn")


def test_a_focal_point_sees_and_registers_their_own_country_only(
    client, focal_point, people, make_event, enrol, post_form
):
    event = make_event()
    van = enrol(event, people["van"])
    tan = enrol(event, people["tan"])
    assert "Delegation" in client.get("/").get_data(as_text=True)
    assert event.name in client.get("/manage/delegations").get_data(as_text=True)
    listing = client.get(f"/manage/events/{event.id}/registrations").get_data(as_text=True)
    assert _names(listing) == ["Nguyễn Tường Văn"]
    assert "Apply to the ticked registrations" not in listing  # no decisions for focal points
    assert _names(client.get(f"/manage/events/{event.id}/registrations?country=SG").get_data(as_text=True)) == []
    assert client.get(f"/manage/registrations/{van.id}").status_code == 200
    assert client.get(f"/manage/registrations/{tan.id}").status_code == 404

    url = f"/manage/events/{event.id}/registrations/new"
    form = client.get(url).get_data(as_text=True)
    assert re.findall(r'<option (?:selected )?value="([A-Z]{2})"', form) == ["VN"]
    base = {"full_name": "Somchai Wongsawat", "category": "government", "consent_data_processing": "y"}
    refused = post_form(url, base | {"email": "somchai@bangkok.go.th", "country": "TH"})
    assert refused.status_code == 200
    assert db.session.query(Registration).count() == 2
    post_form(url, base | {"email": "hung@hanoi.gov.vn", "full_name": "Đỗ Mạnh Hùng", "country": "VN"})
    assert db.session.query(Registration).count() == 3

    decide = f"/manage/registrations/{van.id}/approve"
    assert post_form(decide, {}, form_url=f"/manage/registrations/{van.id}").status_code == 403
    cancel = post_form(f"/manage/registrations/{tan.id}/cancel", {}, form_url=f"/manage/registrations/{van.id}")
    assert cancel.status_code == 404
    db.session.expire_all()
    assert (van.status, tan.status) == (RegistrationStatus.PENDING, RegistrationStatus.PENDING)


def test_a_delegate_cannot_open_the_lists(client, make_user, sign_in, make_event):
    event = make_event()
    make_user("delegate@example.org")
    sign_in("delegate@example.org")
    assert client.get(f"/manage/events/{event.id}/registrations").status_code == 403
    assert client.get("/manage/delegations").status_code == 403
    assert "Delegation" not in client.get("/").get_data(as_text=True)


def test_rejecting_several_waiting_at_once_keeps_the_line_without_gaps(
    client, organiser, make_user, make_event, enrol, post_form
):
    event = make_event(capacity=1)
    seated = enrol(event, make_user("seated@moc.gov.vn", full_name="Nguyễn Tường Văn"))
    waiting = [enrol(event, make_user(f"w{n}@moc.gov.vn", full_name=f"Đại biểu {n}")) for n in range(1, 6)]
    assert [r.waitlist_position for r in waiting] == [1, 2, 3, 4, 5]
    url = f"/manage/events/{event.id}/registrations"
    # One transaction rejects the 2nd and the 3rd in line: the 3rd's place must be read after the 2nd has left.
    post_form(f"{url}/decide", {"action": "reject", "registration_ids": [waiting[1].id, waiting[2].id]}, form_url=url)
    db.session.expire_all()
    line = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.waitlist_position)
    ).all()
    assert [(r.full_name, r.waitlist_position) for r in line] == [
        ("Đại biểu 1", 1),
        ("Đại biểu 4", 2),
        ("Đại biểu 5", 3),
    ]
    assert db.session.get(Registration, seated.id).status is RegistrationStatus.PENDING
    assert event.waitlist_count == 3


def test_rejecting_several_waiting_for_one_workshop_keeps_its_line_without_gaps(
    make_user, make_event, make_room, make_session, enrol
):
    from events.models import ProgrammeSession
    from registration import services
    from registration.models import Signup, SignupStatus

    event = make_event(approval="auto")
    room = make_room(event, name="Phòng 1", capacity=50)
    workshop = make_session(event, kind="workshop", title="Hội thảo 1", room=room, capacity=1)
    people = [enrol(event, make_user(f"p{n}@moc.gov.vn", full_name=f"Đại biểu {n}")) for n in range(6)]
    for registration in people:
        services.sign_up(workshop, registration)
    db.session.commit()
    # The sign-ups are loaded, as a page holding them has them, when one transaction rejects two people waiting for
    # the workshop: the second's place must be read after the first has left the line.
    signups = db.session.scalars(select(Signup).order_by(Signup.id)).all()
    assert [s.position for s in signups] == [None, 1, 2, 3, 4, 5]
    services.reject(people[2], None)
    services.reject(people[3], None)
    db.session.commit()
    line = db.session.scalars(
        select(Signup)
        .where(Signup.session_id == workshop.id, Signup.status == SignupStatus.WAITLISTED)
        .order_by(Signup.position)
    ).all()
    assert [(s.registration.full_name, s.position) for s in line] == [
        ("Đại biểu 1", 1),
        ("Đại biểu 4", 2),
        ("Đại biểu 5", 3),
    ]
    assert db.session.get(ProgrammeSession, workshop.id).waitlist_count == 3
