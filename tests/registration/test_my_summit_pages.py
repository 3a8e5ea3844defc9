"""The delegate's own pages: register through the form, see the state, sign up, leave, subscribe, cancel."""

from core.extensions import db
from registration.models import Registration, RegistrationStatus


def test_register_through_the_form_and_follow_the_state(client, make_user, sign_in, post_form, make_event):
    event = make_event(capacity=5)
    make_user("van@example.org", full_name="Nguyễn Tường Văn", country="VN")
    sign_in("van@example.org")
    url = f"/events/{event.slug}/my"
    assert "Register / My summit" in client.get(f"/events/{event.slug}").get_data(as_text=True)

    refused = post_form(url, {"full_name": "Nguyễn Tường Văn", "category": "government", "country": "VN"})
    assert refused.status_code == 200
    assert db.session.query(Registration).count() == 0  # no consent, nothing saved

    data = {
        "full_name": "Nguyễn Tường Văn",
        "category": "government",
        "attendance": "in_person",
        "organisation": "Bộ Xây dựng",
        "country": "VN",
        "city": "Hanoi",
        "consent_data_processing": "y",
    }
    page = post_form(url, data, follow_redirects=True).get_data(as_text=True)
    assert "Pending" in page
    assert "Nguyễn Tường Văn · Bộ Xây dựng" in page
    registration = db.session.query(Registration).one()
    assert (registration.status, registration.country, registration.event.seats_taken) == (
        RegistrationStatus.PENDING,
        "VN",
        1,
    )
    assert "webcal://" not in page  # the agenda comes once approved


def test_approved_delegate_signs_up_subscribes_leaves_and_cancels(
    client, make_user, sign_in, post_form, make_event, make_session, make_registration
):
    event = make_event()
    workshop = make_session(
        event, kind="workshop", title="Workshop 5: Smart transport", online_url="https://meet.example.org/w5"
    )
    user = make_user("van@example.org")
    registration = make_registration(event, user, status="approved")
    sign_in("van@example.org")
    url = f"/events/{event.slug}/my"
    page = post_form(f"/events/{event.slug}/sessions/{workshop.id}/signup", {}, form_url=url, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "You have a seat in Workshop 5: Smart transport." in text
    assert f"webcal://summit.test/calendar/{registration.feed_token}.ics" in text
    agenda = client.get(f"/calendar/{registration.feed_token}.ics").get_data(as_text=True)
    assert workshop.uid in agenda

    left = post_form(f"/events/{event.slug}/sessions/{workshop.id}/leave", {}, form_url=url, follow_redirects=True)
    assert "You have left Workshop 5: Smart transport." in left.get_data(as_text=True)

    post_form(f"/events/{event.slug}/my/cancel", {}, form_url=url)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status is RegistrationStatus.CANCELLED


def test_my_summit_needs_a_sign_in_and_a_published_event(client, make_user, sign_in, make_event):
    event = make_event()
    assert client.get(f"/events/{event.slug}/my").status_code == 302
    draft = make_event(status="draft")
    make_user("van@example.org")
    sign_in("van@example.org")
    assert client.get(f"/events/{draft.slug}/my").status_code == 404


def test_an_in_person_event_registers_without_the_attendance_question(
    client, make_user, sign_in, post_form, make_event
):
    event = make_event(mode="in_person")
    make_user("somchai@bangkok.go.th", full_name="Somchai Wongsawat", country="TH")
    sign_in("somchai@bangkok.go.th")
    url = f"/events/{event.slug}/my"
    form = client.get(url).get_data(as_text=True)
    assert 'name="attendance"' not in form
    assert form.index('value="BN"') < form.index('value="FR"')  # ASEAN first, then every other country
    data = {"full_name": "Somchai Wongsawat", "country": "TH", "consent_data_processing": "y"}
    page = post_form(url, data, follow_redirects=True).get_data(as_text=True)
    assert "Pending" in page
    assert db.session.query(Registration).one().country == "TH"
