"""HTML forms of the registration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from core.auth.models import LANGUAGES
from core.db import MAX_INTEGER
from core.forms import Form
from core.reference import ASCN_CITIES
from events.forms import country_choices
from registration.badges import Layout
from registration.models import CATEGORY_LABELS, REGISTRATION_STATUS_LABELS, Attendance, Category, RegistrationStatus
from registration.services import REGISTRATION_FIELDS

RESERVED_CATEGORIES = (Category.ORGANISER, Category.EXHIBITOR)


def _registration_country_choices():
    return [("", _l("Choose a country")), *country_choices()]


class RegistrationForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    # Lazy labels, translated when the form is rendered in the request's language.
    category = SelectField(
        _l("Category"),
        # Organisers and booth staff are registered through their own pages.
        choices=[
            (c.value, label)
            for c, label in CATEGORY_LABELS.items()
            if c not in (Category.ORGANISER, Category.EXHIBITOR)
        ],
        default=Category.GOVERNMENT.value,
    )
    # Shown for hybrid events only; the others take the event's one way of attending.
    attendance = SelectField(
        _l("Attendance"),
        choices=[(Attendance.IN_PERSON.value, _l("In person")), (Attendance.ONLINE.value, _l("Online"))],
        default=Attendance.IN_PERSON.value,
    )
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])
    # ASEAN member states first, then every country of ISO 3166, named in the interface language.
    country = SelectField(_l("Country"), choices=_registration_country_choices)
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)], render_kw={"list": "ascn-cities"})
    dietary = TextAreaField(_l("Dietary needs"), validators=[Optional(), Length(max=2000)])
    accessibility = TextAreaField(_l("Accessibility needs"), validators=[Optional(), Length(max=2000)])
    consent_data_processing = BooleanField(
        _l("I agree that the organisers process my data to run the summit."), validators=[DataRequired()]
    )
    consent_lead_sharing = BooleanField(_l("Exhibitors may receive my contact details when they scan my badge."))

    def registration_data(self) -> dict:
        """The fields the registration service takes, with their enum types."""
        data = {name: getattr(self, name).data for name in REGISTRATION_FIELDS}
        return data | {"category": Category(self.category.data), "attendance": Attendance(self.attendance.data)}


class DelegateForm(RegistrationForm):
    """An organiser or focal point registers someone else: the person's e-mail and language for a new account."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    language = SelectField(_l("Language of their mails"), choices=list(LANGUAGES.items()), default="en")
    consent_data_processing = BooleanField(
        _l("The delegate agrees that the organisers process their data to run the summit."),
        validators=[DataRequired()],
    )
    consent_lead_sharing = BooleanField(_l("The delegate agrees that exhibitors receive their contact details."))

    def registration_data(self) -> dict:
        return super().registration_data() | {"language": self.language.data}


class DecisionForm(Form):
    """Approve or reject the registrations ticked in the list, with a reason told to the delegates."""

    action = SelectField(
        _l("Decision"),
        choices=[("approve", _l("Approve")), ("reject", _l("Reject"))],
        validators=[AnyOf(["approve", "reject"])],
    )
    reason = TextAreaField(_l("Reason (told to the delegates)"), validators=[Optional(), Length(max=2000)])
    ids = HiddenField()


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason (told to the delegate)"), validators=[Optional(), Length(max=2000)])


class RegistrationFilterForm(Form):
    """The list's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    status = SelectField(
        _l("Status"),
        choices=[("", _l("Any status"))] + [(s.value, label) for s, label in REGISTRATION_STATUS_LABELS.items()],
    )
    category = SelectField(
        _l("Category"), choices=[("", _l("Any category"))] + [(c.value, label) for c, label in CATEGORY_LABELS.items()]
    )
    country = SelectField(_l("Country"), choices=lambda: [("", _l("Any country")), *country_choices()])


class ImportForm(Form):
    file = FileField(
        _l("Spreadsheet (CSV or XLSX)"),
        validators=[FileRequired(_l("Choose a CSV or XLSX file."))],
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )


class ConfirmForm(Form):
    """A POST button with its CSRF token."""


ALL_ASCN_CITIES = sorted(city for cities in ASCN_CITIES.values() for city in cities)


class BadgePrintForm(Form):
    """The organisers' choice of badges to print: sent by GET (a download changes nothing), so no CSRF token."""

    class Meta:
        csrf = False

    layout = SelectField(
        _l("Paper"),
        choices=[
            (Layout.A4_FOUR_UP.value, _l("A4, four badges a sheet, with cut marks")),
            (Layout.A6.value, _l("A6, one badge a sheet")),
        ],
        default=Layout.A4_FOUR_UP.value,
    )
    category = SelectField(
        _l("Category"),
        choices=[("", _l("Every category")), *((c.value, label) for c, label in CATEGORY_LABELS.items())],
        default="",
    )
    # Filled with the countries that have badges when the page is built.
    country = SelectField(_l("Country"), choices=[("", _l("Every country"))], default="", validate_choice=False)
    organisation = StringField(
        _l("Delegation (organisation)"), validators=[Optional(), Length(max=200)], render_kw={"list": "organisations"}
    )
    status = SelectField(
        _l("Registrations"),
        choices=[
            (RegistrationStatus.APPROVED.value, _l("Approved")),
            (RegistrationStatus.PENDING.value, _l("Pending (printed ahead of the decision)")),
        ],
        default=RegistrationStatus.APPROVED.value,
    )
    registration_id = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,9}$")])

    def validate_country(self, field) -> None:
        if field.data and (len(field.data) != 2 or not field.data.isalpha()):
            raise ValidationError(_l("Use a two-letter ISO country code."))

    def filters(self) -> dict:
        """The choice in the shape of the API's BulkBadgeArgsSchema."""
        return {
            "layout": Layout(self.layout.data),
            "status": RegistrationStatus(self.status.data),
            "category": Category(self.category.data) if self.category.data else None,
            "country": self.country.data or None,
            "organisation": (self.organisation.data or "").strip() or None,
            "registration_id": int(self.registration_id.data) if self.registration_id.data else None,
        }


class ReissueBadgeForm(Form):
    """The POST button that gives one registration a new badge code."""

    registration_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=MAX_INTEGER)])
    q = HiddenField()
