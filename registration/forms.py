"""HTML forms of the registration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import Form
from core.reference import ASCN_CITIES, ASEAN_COUNTRIES
from registration.models import CATEGORY_LABELS, Attendance, Category
from registration.services import REGISTRATION_FIELDS


def _country_choices():
    from babel import Locale
    from flask_babel import get_locale

    names = Locale.parse(str(get_locale() or "en")).territories
    return [(code, names.get(code, code)) for code in ASEAN_COUNTRIES] + [("", _l("Another country"))]


class RegistrationForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    # Lazy labels, translated when the form is rendered in the request's language.
    category = SelectField(
        _l("Category"),
        choices=[(c.value, label) for c, label in CATEGORY_LABELS.items() if c is not Category.ORGANISER],
    )
    attendance = SelectField(
        _l("Attendance"),
        choices=[(Attendance.IN_PERSON.value, _l("In person")), (Attendance.ONLINE.value, _l("Online"))],
    )
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])
    country = SelectField(_l("Country"), choices=_country_choices, validate_choice=False)
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


class ImportForm(Form):
    file = FileField(
        _l("Spreadsheet (CSV or XLSX)"),
        validators=[FileRequired(_l("Choose a CSV or XLSX file."))],
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )


class ConfirmForm(Form):
    """A POST button with its CSRF token."""


ALL_ASCN_CITIES = sorted(city for cities in ASCN_CITIES.values() for city in cities)
