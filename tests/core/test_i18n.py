"""The Vietnamese interface: a complete catalogue; the language from the switch, the profile or Accept-Language;
dates and numbers in the language's own format."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import format_decimal
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from config import BASE_DIR
from core.auth import services
from core.auth.models import User
from core.extensions import db
from core.forms import Form
from core.mail.models import OutboxMessage
from tests.fixtures.accounts import PASSWORD, csrf_token_from

TRANSLATIONS = BASE_DIR / "translations"
VI_PO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
VI_MO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.mo"
# The options of `make extract-messages`; keep the two in step.
EXTRACT_OPTIONS = [
    "-F",
    "babel.cfg",
    "-k",
    "_l",
    "-k",
    "lazy_gettext",
    "--no-location",
    "--sort-output",
    "--ignore-dirs",
    ".* __pycache__ node_modules",
]
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


def _read_po(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def _pybabel() -> list[str]:
    beside = Path(sys.executable).with_name("pybabel")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "babel.messages.frontend"]


def _html(response) -> str:
    return response.get_data(as_text=True)


# The catalogue -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh_extraction(tmp_path_factory):
    """What `make extract-messages` would find in the code as it is now."""
    template = tmp_path_factory.mktemp("extract") / "messages.pot"
    result = subprocess.run(
        [*_pybabel(), "extract", *EXTRACT_OPTIONS, "-o", str(template), "."],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return _read_po(template)


def test_every_marked_string_is_translated_into_vietnamese(fresh_extraction):
    catalogue = _read_po(VI_PO)
    problems = []
    for message in fresh_extraction:
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        if translated is None:
            problems.append(f"missing (run make extract-messages): {message.id!r}")
        elif "fuzzy" in translated.flags:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(form.strip() for form in _forms(translated)):
            problems.append(f"not translated: {message.id!r}")
    assert problems == []
    # The extraction must see the templates, including templates/_macros, and the Python code.
    extracted = {message.id for message in fresh_extraction}
    assert {"The form has expired. Please send it again.", "Sign in", "The e-mail address or password is wrong."} <= (
        extracted
    )


def test_translations_keep_the_placeholders_of_the_original():
    problems = []
    for message in _read_po(VI_PO):
        if not message.id or not message.python_format:
            continue
        # Vietnamese has one plural form: it stands for every count, so it follows the English plural.
        original = message.id[-1] if isinstance(message.id, tuple | list) else message.id
        expected = Counter(PLACEHOLDER.findall(original))
        for form in _forms(message):
            if Counter(PLACEHOLDER.findall(form)) != expected:
                problems.append(f"{original!r} -> {form!r}")
    assert problems == []


def test_the_compiled_catalogue_is_up_to_date():
    """The pages read the .mo; `make translations` builds it from the .po."""
    assert VI_MO.exists(), "run make translations"
    with VI_MO.open("rb") as handle:
        compiled = read_mo(handle)
    stale = [
        message.id
        for message in _read_po(VI_PO)
        if message.id and (compiled.get(message.id) is None or _forms(compiled.get(message.id)) != _forms(message))
    ]
    assert stale == [], "run make translations"


def test_wtforms_own_messages_are_in_the_catalogue():
    """WTForms ships no Vietnamese: core.forms lists its messages so that ours translates them."""
    with (Path(messages_path()) / "wtforms.pot").open("rb") as handle:
        wtforms_messages = [message.id for message in read_po(handle) if message.id]
    catalogue = _read_po(VI_PO)
    assert [msgid for msgid in wtforms_messages if catalogue.get(msgid) is None] == []


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for subclass in list(found):
        found |= _subclasses(subclass)
    return found


def test_every_form_of_the_project_translates_wtforms_messages(app):
    domains = ("core.", "events.", "registration.", "exhibitors.")
    plain = [
        f"{form.__module__}.{form.__qualname__}"
        for form in _subclasses(FlaskForm)
        if form.__module__.startswith(domains) and not issubclass(form, Form)
    ]
    assert plain == [], "subclass core.forms.Form, not FlaskForm, so that validation messages are translated"


# Choosing the language --------------------------------------------------------------------------------------------


def test_the_header_switch_translates_navigation_and_forms_and_switches_back(client):
    response = client.get("/language/vi")
    assert response.status_code == 302
    home = _html(client.get("/"))
    assert '<html lang="vi">' in home
    assert "Trang chủ" in home
    assert "Đăng nhập" in home
    assert "Đăng ký tài khoản" in home
    sign_in_page = _html(client.get("/sign-in"))
    for label in ("Thư điện tử", "Mật khẩu", "Duy trì đăng nhập trên thiết bị này", "Quên mật khẩu?"):
        assert label in sign_in_page

    client.get("/language/en")
    home = _html(client.get("/"))
    assert '<html lang="en">' in home
    assert "Home" in home
    assert "Sign in" in home
    assert "Trang chủ" not in home
    assert "Keep me signed in on this device" in _html(client.get("/sign-in"))


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [("/sign-in", "/sign-in"), ("//evil.example/x", "/"), ("https://evil.example/", "/"), (None, "/")],
)
def test_the_switch_returns_to_the_page_on_this_site_only(client, next_url, lands_on):
    response = client.get("/language/vi", query_string={"next": next_url} if next_url else None)
    assert response.status_code == 302
    assert response.headers["Location"].removeprefix("http://summit.test") == lands_on


def test_an_unknown_language_changes_nothing(client):
    client.get("/language/vi")
    client.get("/language/fr")
    assert '<html lang="vi">' in _html(client.get("/"))


@pytest.mark.parametrize(
    ("accept_language", "html_lang", "sign_in_label"),
    [
        ("vi", "vi", "Đăng nhập"),
        ("vi-VN,vi;q=0.9,en-US;q=0.8", "vi", "Đăng nhập"),
        ("en", "en", "Sign in"),
        ("en-GB,en;q=0.9,vi;q=0.5", "en", "Sign in"),
        ("fr-FR,fr;q=0.9", "en", "Sign in"),
    ],
)
def test_accept_language_decides_when_no_choice_was_made(client, accept_language, html_lang, sign_in_label):
    page = _html(client.get("/", headers={"Accept-Language": accept_language}))
    assert f'<html lang="{html_lang}">' in page
    assert sign_in_label in page


def test_the_switch_beats_accept_language(client):
    client.get("/language/en")
    page = _html(client.get("/", headers={"Accept-Language": "vi"}))
    assert '<html lang="en">' in page
    assert "Trang chủ" not in page


def test_a_user_whose_profile_says_vietnamese_sees_vietnamese_after_signing_in(app, make_user, sign_in, client):
    make_user("thu@danang.gov.vn", full_name="Trần Thị Thu Thủy", language="vi")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # a browser set to English, on a new device
    assert '<html lang="en">' in _html(client.get("/"))

    assert sign_in("thu@danang.gov.vn").status_code == 302
    home = _html(client.get("/"))
    assert '<html lang="vi">' in home
    assert "Đã đăng nhập với tên Trần Thị Thu Thủy." in home
    assert "Đăng xuất" in home

    # Without a choice in the session (a session restored from the remember-me cookie), the profile still decides.
    with client.session_transaction() as session:
        session.pop("language", None)
    assert '<html lang="vi">' in _html(client.get("/"))


def test_switching_language_while_signed_in_is_saved_to_the_profile(app, make_user, sign_in, client):
    user = make_user("tan.weiming@ura.gov.sg", language="en")
    sign_in("tan.weiming@ura.gov.sg")
    client.get("/language/vi")
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "vi"

    # Another device, after signing in, opens in the saved language.
    other_device = app.test_client()
    other_device.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = _html(other_device.get("/sign-in"))
    data = {"email": "tan.weiming@ura.gov.sg", "password": PASSWORD, "csrf_token": csrf_token_from(page)}
    assert other_device.post("/sign-in", data=data).status_code == 302
    assert '<html lang="vi">' in _html(other_device.get("/"))

    client.get("/language/en")
    db.session.expire_all()
    assert db.session.get(User, user.id).language == "en"


# Dates, numbers, form errors, mail --------------------------------------------------------------------------------


def test_summit_dates_are_written_in_the_language_of_the_page(client, cli):
    result = cli.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output

    client.get("/language/vi")
    page = _html(client.get("/"))
    assert "2 tháng 12, 2020" in page
    assert "4 tháng 12, 2020" in page
    assert "December" not in page

    client.get("/language/en")
    page = _html(client.get("/"))
    assert "December 2, 2020" in page
    assert "tháng" not in page


@pytest.mark.parametrize(("accept_language", "written"), [("vi", "12.500,5"), ("en", "12,500.5")])
def test_numbers_are_written_in_the_language_of_the_request(app, accept_language, written):
    with app.test_request_context("/", headers={"Accept-Language": accept_language}):
        assert format_decimal(12500.5) == written


def test_a_wrong_password_is_explained_in_vietnamese(client, make_user, sign_in):
    make_user("sokha.chan@phnompenh.gov.kh")
    client.get("/language/vi")
    response = sign_in("sokha.chan@phnompenh.gov.kh", "not the password")
    assert response.status_code == 200
    assert "Địa chỉ thư điện tử hoặc mật khẩu không đúng." in _html(response)


@pytest.mark.parametrize(
    ("language", "too_short", "required", "bad_email"),
    [
        ("vi", "Vui lòng dùng ít nhất 8 ký tự.", "Trường này là bắt buộc.", "Địa chỉ thư điện tử không hợp lệ."),
        ("en", "Use at least 8 characters.", "This field is required.", "Invalid email address."),
    ],
)
def test_sign_up_errors_are_in_the_language_of_the_page(client, post_form, language, too_short, required, bad_email):
    client.get(f"/language/{language}")
    short = post_form(
        "/sign-up",
        {"full_name": "Lê Hoàng Trung", "email": "trung@example.org", "password": "short", "confirm": "short"},
    )
    assert short.status_code == 200
    assert too_short in _html(short)

    incomplete = post_form("/sign-up", {"full_name": "", "email": "not-an-address", "password": "", "confirm": ""})
    assert required in _html(incomplete)
    assert bad_email in _html(incomplete)


def test_mail_is_written_in_the_recipients_language(app, make_user):
    make_user("focal.vn@ascn2020.gov.vn", full_name="Nguyễn Tường Văn", language="vi")
    make_user("lim.jockhoi@asean.org", full_name="Dato Lim Jock Hoi", language="en")
    for address in ("focal.vn@ascn2020.gov.vn", "lim.jockhoi@asean.org"):
        services.request_password_reset(address, lambda token: f"http://summit.test/reset-password/{token}")
    db.session.commit()

    by_address = {message.to_address: message for message in db.session.scalars(db.select(OutboxMessage))}
    vietnamese, english = by_address["focal.vn@ascn2020.gov.vn"], by_address["lim.jockhoi@asean.org"]
    assert vietnamese.subject == "Đặt mật khẩu mới cho tài khoản ASCN Summit"
    assert "Kính gửi Nguyễn Tường Văn," in vietnamese.body_text
    assert "Kính gửi Nguyễn Tường Văn," in vietnamese.body_html
    assert english.subject == "Choose a new password for ASCN Summit"
    assert "Hello Dato Lim Jock Hoi," in english.body_text
