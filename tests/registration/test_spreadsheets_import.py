"""Importing a delegation's spreadsheet through the API: every row checked, all rows or none, re-import updates."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.auth.models import User
from core.auth.services import authenticate
from core.errors import DomainError
from core.extensions import db
from core.mail.models import OutboxMessage
from registration.models import Attendance, Category, Registration, RegistrationStatus
from tests.fixtures.accounts import PASSWORD, csrf_token_from
from tests.registration.sheets import csv_bytes, delegate, upload, xlsx_bytes

CATEGORIES = "government, city, asean_secretariat, partner, exhibitor, press, observer, organiser"
NO_CONSENT = "The delegate must agree to the processing of their data: write yes."
UNKNOWN_COUNTRY = "Unknown country: use its two-letter ISO code, such as VN, or its English name."


@pytest.fixture
def organiser(make_user, token_for):
    return token_for(make_user("secretariat@moc.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung"))


@pytest.fixture
def focal_vn(make_user, token_for):
    return token_for(make_user("focal.vn@moc.gov.vn", roles=["focal_point"], country="VN"))


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def registration_of(email: str) -> Registration:
    db.session.expire_all()
    return db.session.scalar(
        select(Registration).join(User, Registration.user_id == User.id).where(User.email == email)
    )


def test_a_thousand_rows_with_three_bad_ones_import_nothing_then_all_once_corrected(client, organiser, make_event):
    event = make_event()
    rows = [delegate(number) for number in range(1000)]
    # Rows of the file: the header is row 1, so delegate n is on row n + 2.
    rows[56]["email"] = "nguyen.van.at.moc.gov.vn"
    rows[399]["consent_data_processing"] = "no"
    rows[900].update(category="minister", country="Atlantis")
    mails_before = count(OutboxMessage)

    refused = upload(client, organiser, event.id, csv_bytes(rows))

    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "import_invalid"
    assert error["rows"] == [
        {"row": 58, "fields": {"email": ["This is not a valid e-mail address."]}},
        {"row": 401, "fields": {"consent_data_processing": [NO_CONSENT]}},
        {"row": 902, "fields": {"category": [f"Use one of: {CATEGORIES}."], "country": [UNKNOWN_COUNTRY]}},
    ]
    assert count(Registration) == 0
    assert count(User) == 1  # the organiser alone: no account was created
    assert count(OutboxMessage) == mails_before

    rows[56]["email"] = "nguyen.van@moc.gov.vn"
    rows[399]["consent_data_processing"] = "có"
    rows[900].update(category="Partner", country="Viet Nam")
    started = time.perf_counter()
    imported = upload(client, organiser, event.id, csv_bytes(rows))
    elapsed = time.perf_counter() - started

    assert imported.status_code == 200, imported.get_json()
    assert imported.get_json() == {"created": 1000, "updated": 0}
    print(f"\n1,000-row CSV import: {elapsed:.2f} s on {db.engine.dialect.name}")
    assert count(Registration) == 1000
    first = registration_of("delegate0000@ascn.example.org")
    assert (first.full_name, first.category, first.attendance, first.country) == (
        "Nguyễn Tường Văn",
        Category.CITY,
        Attendance.ONLINE,
        "BN",
    )
    assert (first.organisation, first.city, first.consent_data_processing) == ("Bộ Xây dựng", "Đà Nẵng", True)
    assert first.status is RegistrationStatus.PENDING
    corrected = registration_of("nguyen.van@moc.gov.vn")
    assert (corrected.full_name, corrected.user.language) == ("Lê Hoàng Trung", "en")
    assert registration_of("delegate0399@ascn.example.org").consent_data_processing is True
    partner = registration_of("delegate0900@ascn.example.org")
    assert (partner.category, partner.country, partner.user.language) == (Category.PARTNER, "VN", "en")
    assert registration_of("delegate0001@ascn.example.org").user.language == "vi"

    # Re-importing the same file updates every registration, matched by e-mail, and changes what changed.
    mails_after_import = count(OutboxMessage)
    rows[5].update(job_title="Phó Cục trưởng", attendance="online", dietary="Ăn chay")
    again = upload(client, organiser, event.id, csv_bytes(rows))
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == {"created": 0, "updated": 1000}
    assert count(Registration) == 1000
    changed = registration_of("delegate0005@ascn.example.org")
    assert (changed.job_title, changed.attendance, changed.dietary) == ("Phó Cục trưởng", Attendance.ONLINE, "Ăn chay")
    assert count(OutboxMessage) == mails_after_import  # an update mails nobody


def test_new_accounts_are_invited_and_cannot_sign_in_until_they_choose_a_password(
    client, organiser, make_event, make_user
):
    event = make_event()
    make_user("already@danang.gov.vn", full_name="Phạm Đức Anh")
    rows = [delegate(1, email="new@danang.gov.vn"), delegate(2, email="Already@DaNang.gov.vn")]
    response = upload(client, organiser, event.id, csv_bytes(rows))
    assert response.get_json() == {"created": 2, "updated": 0}
    invited = db.session.scalar(select(User).where(User.email == "new@danang.gov.vn"))
    assert invited.full_name == "Lê Hoàng Trung"
    for attempt in ("", "!", PASSWORD, invited.password_hash):
        with pytest.raises(DomainError):
            authenticate("new@danang.gov.vn", attempt)
    # The existing account is linked, not duplicated, and keeps its password.
    assert registration_of("already@danang.gov.vn").user.full_name == "Phạm Đức Anh"
    assert authenticate("already@danang.gov.vn", PASSWORD).email == "already@danang.gov.vn"


@pytest.mark.parametrize(
    ("delimiter", "bom"), [(",", True), (",", False), (";", True), (";", False), ("\t", True)], ids=str
)
def test_csv_as_excel_saves_it_with_or_without_bom_and_with_semicolons(client, organiser, make_event, delimiter, bom):
    event = make_event()
    rows = [delegate(0), delegate(1, organisation="Sở Xây dựng; Thành phố Đà Nẵng")]
    response = upload(client, organiser, event.id, csv_bytes(rows, delimiter=delimiter, bom=bom))
    assert response.get_json() == {"created": 2, "updated": 0}
    first = registration_of("delegate0000@ascn.example.org")
    assert first.full_name == "Nguyễn Tường Văn"  # no BOM glued to the first header, no mangled diacritics
    assert registration_of("delegate0001@ascn.example.org").organisation == "Sở Xây dựng; Thành phố Đà Nẵng"


def test_headers_match_whatever_their_case_and_spacing_and_values_are_lenient(client, organiser, make_event):
    event = make_event()
    header = [" Email ", "Full Name", "CATEGORY", "Consent Data Processing", "Consent_Lead_Sharing", "Country"]
    data = csv_bytes(
        [
            {
                " Email ": " Van@MOC.gov.vn ",
                "Full Name": "  Nguyễn Tường Văn ",
                "CATEGORY": "ASEAN Secretariat",
                "Consent Data Processing": "Có",
                "Consent_Lead_Sharing": "TRUE",
                "Country": "Lao PDR",
            }
        ],
        header=header,
    )
    assert upload(client, organiser, event.id, data).get_json() == {"created": 1, "updated": 0}
    registration = registration_of("van@moc.gov.vn")
    assert (registration.full_name, registration.category, registration.country) == (
        "Nguyễn Tường Văn",
        Category.ASEAN_SECRETARIAT,
        "LA",
    )
    assert (registration.consent_data_processing, registration.consent_lead_sharing) == (True, True)


def test_xlsx_import_reads_typed_cells(client, organiser, make_event):
    event = make_event()
    header = ["Email", "Full_name", "country", "job_title", "consent_data_processing", "consent_lead_sharing"]
    data = xlsx_bytes(
        header,
        [
            ["van@moc.gov.vn", "Nguyễn Tường Văn", "vn", 2020, True, False],
            [None, None, None, None, None, None],  # Excel's empty rows are skipped
            ["lim@asean.org", "Dato Lim Jock Hoi", "Brunei Darussalam", "Secretary-General", 1, "no"],
        ],
    )
    response = upload(client, organiser, event.id, data, filename="delegates.xlsx")
    assert response.get_json() == {"created": 2, "updated": 0}
    van = registration_of("van@moc.gov.vn")
    assert (van.full_name, van.country, van.job_title, van.consent_lead_sharing) == (
        "Nguyễn Tường Văn",
        "VN",
        "2020",
        False,
    )
    assert registration_of("lim@asean.org").country == "BN"


def test_xlsx_errors_are_reported_with_the_sheet_row_numbers(client, organiser, make_event):
    event = make_event()
    data = xlsx_bytes(
        ["email", "full_name", "consent_data_processing"],
        [["a@moc.gov.vn", "A", True], [None, None, None], ["b@moc.gov.vn", None, False]],
    )
    response = upload(client, organiser, event.id, data, filename="delegates.xlsx")
    assert response.get_json()["error"]["rows"] == [
        {"row": 4, "fields": {"full_name": ["Give the delegate's full name."], "consent_data_processing": [NO_CONSENT]}}
    ]
    assert count(Registration) == 0


def test_unknown_missing_and_repeated_columns_are_errors_of_row_1(client, organiser, make_event):
    event = make_event()
    header = ["E-mail address", "full_name", "phone", "FULL_NAME", "consent_data_processing", "status"]
    data = csv_bytes([{"full_name": "Nguyễn Tường Văn", "consent_data_processing": "yes"}], header=header)
    error = upload(client, organiser, event.id, data).get_json()["error"]
    assert error["code"] == "import_invalid"
    (header_row,) = error["rows"]
    assert header_row["row"] == 1
    assert set(header_row["fields"]) == {"E-mail address", "phone", "FULL_NAME", "email"}
    assert header_row["fields"]["phone"][0].startswith("Unknown column. The columns are: email, full_name,")
    assert header_row["fields"]["FULL_NAME"] == ["This column appears twice."]
    assert header_row["fields"]["email"] == ["This column is missing."]


def test_every_problem_of_every_row_is_reported(client, organiser, make_event):
    event = make_event(mode="in_person")
    rows = [
        delegate(0, email="dup@moc.gov.vn", attendance="in_person"),
        delegate(1, email="", full_name="", attendance="online", language="fr", consent_lead_sharing="maybe"),
        delegate(2, email="DUP@moc.gov.vn", job_title="x" * 201, attendance="in_person"),
    ]
    rows[1]["consent_data_processing"] = ""
    error = upload(client, organiser, event.id, csv_bytes(rows)).get_json()["error"]
    assert error["rows"] == [
        {
            "row": 3,
            "fields": {
                "email": ["Give the delegate's e-mail address."],
                "full_name": ["Give the delegate's full name."],
                "attendance": ["This event takes place in person only."],
                "consent_data_processing": [NO_CONSENT],
                "consent_lead_sharing": ["Write yes or no."],
                "language": ["Write en (English) or vi (Vietnamese)."],
            },
        },
        {
            "row": 4,
            "fields": {
                "email": ["This e-mail address is also on row 2."],
                "job_title": ["Use at most 200 characters."],
            },
        },
    ]
    assert count(Registration) == 0


def test_a_value_under_no_header_is_reported(client, organiser, make_event):
    event = make_event()
    data = "\ufeffemail,full_name,consent_data_processing\r\na@moc.gov.vn,Văn,yes,oops\r\n".encode()
    error = upload(client, organiser, event.id, data).get_json()["error"]
    assert error["rows"] == [{"row": 2, "fields": {"column 4": ["This value is in a column without a header."]}}]


def test_a_focal_point_imports_their_own_country_only(client, focal_vn, make_event):
    event = make_event()
    rows = [
        delegate(0, country="VN"),
        delegate(1, country=""),
        delegate(2, country="Thailand"),
        delegate(3, country="Việt Nam"),
    ]
    error = upload(client, focal_vn, event.id, csv_bytes(rows)).get_json()["error"]
    assert error["code"] == "import_invalid"
    assert error["rows"] == [
        {"row": 4, "fields": {"country": ["A focal point imports delegates of their own country (VN) only."]}}
    ]
    assert count(Registration) == 0

    del rows[2]
    assert upload(client, focal_vn, event.id, csv_bytes(rows)).get_json() == {"created": 3, "updated": 0}
    db.session.expire_all()
    assert set(db.session.scalars(select(Registration.country))) == {"VN"}
    # Without a country column at all, the delegates are of the focal point's country too.
    data = csv_bytes([delegate(7)], header=["email", "full_name", "consent_data_processing"])
    assert upload(client, focal_vn, event.id, data).get_json() == {"created": 1, "updated": 0}
    assert registration_of("delegate0007@ascn.example.org").country == "VN"


def test_a_focal_point_cannot_take_over_another_countrys_registration(
    client, focal_vn, organiser, make_event, make_user, make_registration
):
    event = make_event()
    person = make_user("somchai@bangkok.go.th", full_name="Somchai Chaiyaporn")
    make_registration(event, person, status="approved", country="TH", job_title="Director")
    rows = [delegate(0, country="VN"), delegate(1, email="somchai@bangkok.go.th", country="VN")]
    error = upload(client, focal_vn, event.id, csv_bytes(rows)).get_json()["error"]
    assert error["rows"] == [
        {
            "row": 3,
            "fields": {"email": ["This person is already registered for this event by another country's delegation."]},
        }
    ]
    registration = registration_of("somchai@bangkok.go.th")
    assert (registration.country, registration.job_title) == ("TH", "Director")


def test_a_rule_only_a_service_knows_rolls_the_whole_import_back_and_names_the_row(
    client, organiser, make_event, make_user, make_registration
):
    event = make_event(capacity=1)
    seated = make_user("seated@moc.gov.vn")
    online = make_user("online@moc.gov.vn")
    make_registration(event, seated, status="approved", attendance="in_person", country="VN")
    make_registration(event, online, status="approved", attendance="online", country="VN")
    event.seats_taken = 1
    db.session.commit()
    rows = [
        delegate(0, email="new@moc.gov.vn", attendance="online"),
        delegate(1, email="online@moc.gov.vn", attendance="in_person", country="VN"),
    ]
    error = upload(client, organiser, event.id, csv_bytes(rows)).get_json()["error"]
    assert error["code"] == "import_invalid"
    assert error["rows"] == [{"row": 3, "fields": {"attendance": ["No in-person seat is left; you can stay online."]}}]
    # Row 2 had been registered before row 3 failed: it is gone with the rest.
    assert registration_of("new@moc.gov.vn") is None
    assert db.session.scalar(select(User).where(User.email == "new@moc.gov.vn")) is None
    assert registration_of("online@moc.gov.vn").attendance is Attendance.ONLINE


def test_an_import_into_a_closed_registration_is_refused(client, organiser, make_event):
    event = make_event(registration_closes_at=datetime.fromisoformat("2020-11-01T00:00:00+07:00"))
    response = upload(client, organiser, event.id, csv_bytes([delegate(0)]))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "registration_closed"
    assert count(Registration) == 0


def test_who_may_import(client, make_user, token_for, focal_vn, organiser, make_event):
    event = make_event()
    draft = make_event(status="draft")
    data = csv_bytes([delegate(0, country="VN")])
    delegate_headers = token_for(make_user("delegate@danang.gov.vn"))
    no_country = token_for(make_user("focal.nowhere@moc.gov.vn", roles=["focal_point"], country="VN"))
    db.session.scalar(select(User).where(User.email == "focal.nowhere@moc.gov.vn")).country = None
    db.session.commit()

    assert upload(client, {}, event.id, data).status_code == 401
    assert upload(client, delegate_headers, event.id, data).status_code == 403
    assert upload(client, no_country, event.id, data).status_code == 403
    assert upload(client, focal_vn, event.id + 1000, data).status_code == 404
    assert upload(client, focal_vn, draft.id, data).status_code == 404
    assert upload(client, organiser, event.id + 1000, data).status_code == 404
    assert count(Registration) == 0
    assert upload(client, organiser, draft.id, data).status_code == 409  # organisers see drafts; registration is closed


def test_a_missing_file_is_a_validation_error(client, organiser, make_event):
    event = make_event()
    response = client.post(f"/api/v1/events/{event.id}/registrations/import", headers=organiser, data={})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"file"}


def test_the_import_refuses_too_many_rows(client, organiser, make_event):
    event = make_event()
    rows = [{"email": f"d{n}@moc.gov.vn", "full_name": "Văn", "consent_data_processing": "yes"} for n in range(5001)]
    data = csv_bytes(rows, header=["email", "full_name", "consent_data_processing"])
    response = upload(client, organiser, event.id, data)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "too_many_rows"
    assert "5000" in error["message"]
    assert count(Registration) == 0


def test_invited_delegates_get_their_mail_in_their_language_and_can_set_a_password(
    make_app, smtp_server, make_user, token_for, make_event
):
    """Through a real SMTP server: the invitation of each new account, and none for an existing one."""
    from core.mail.services import send_due_mail

    app = make_app(MAIL_PORT=smtp_server.port)
    with app.app_context():
        client = app.test_client()
        organiser = token_for(make_user("secretariat@moc.gov.vn", roles=["organiser"], full_name="Lê Hoàng Trung"))
        event = make_event()
        make_user("known@moc.gov.vn", full_name="Phạm Đức Anh")
        rows = [
            delegate(0, email="van@moc.gov.vn", full_name="Nguyễn Tường Văn", language="vi"),
            delegate(1, email="lim@asean.org", full_name="Dato Lim Jock Hoi", language="en"),
            delegate(2, email="known@moc.gov.vn", full_name="Phạm Đức Anh", language="vi"),
        ]
        assert upload(client, organiser, event.id, csv_bytes(rows)).get_json() == {"created": 3, "updated": 0}
        send_due_mail()

        def invitations(address):
            return [m for m in smtp_server.to(address) if "account" in m["Subject"] or "Tài khoản" in m["Subject"]]

        (vietnamese,) = invitations("van@moc.gov.vn")
        assert vietnamese["Subject"] == "Tài khoản ASCN Summit đã được tạo cho Quý vị"
        assert vietnamese["To"] == "Nguyễn Tường Văn <van@moc.gov.vn>"
        body = vietnamese.get_body(("plain",)).get_content()
        assert "Lê Hoàng Trung" in body
        (english,) = invitations("lim@asean.org")
        assert english["Subject"] == "An ASCN Summit account has been created for you"
        assert invitations("known@moc.gov.vn") == []
        assert len(smtp_server.to("known@moc.gov.vn")) == 1  # the registration's own mail only

        link = next(line for line in body.splitlines() if "/reset-password/" in line).strip()
        path = link.removeprefix("http://summit.test")
        page = client.get(path)
        assert page.status_code == 200
        token = csrf_token_from(page.get_data(as_text=True))
        chosen = {"new_password": "Hà Nội 2020 mùa đông", "confirm": "Hà Nội 2020 mùa đông", "csrf_token": token}
        assert client.post(path, data=chosen).status_code == 302
        assert authenticate("van@moc.gov.vn", "Hà Nội 2020 mùa đông").full_name == "Nguyễn Tường Văn"


def test_the_openapi_document_describes_the_spreadsheet_calls(client, organiser, make_event):
    from openapi_schema_validator import OAS30Validator
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    paths = spec["paths"]
    body = paths["/api/v1/events/{event_id}/registrations/import"]["post"]["requestBody"]
    file_schema = body["content"]["multipart/form-data"]["schema"]
    assert (file_schema["required"], file_schema["properties"]["file"]["format"]) == (["file"], "binary")
    responses = paths["/api/v1/events/{event_id}/registrations/import"]["post"]["responses"]
    assert {"200", "413", "422"} <= set(responses)
    assert "text/csv" in paths["/api/v1/events/{event_id}/registrations.csv"]["get"]["responses"]["200"]["content"]
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx in paths["/api/v1/events/{event_id}/registrations.xlsx"]["get"]["responses"]["200"]["content"]

    refused = upload(client, organiser, make_event().id, csv_bytes([delegate(0, email="nope")])).get_json()
    OAS30Validator({"$ref": "#/components/schemas/Error", "components": spec["components"]}).validate(refused)
    assert refused["error"]["rows"][0]["row"] == 2
