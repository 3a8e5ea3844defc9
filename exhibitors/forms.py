"""HTML forms of the exhibition pages. They check shape; the rules stay in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.auth.models import LANGUAGES
from core.forms import Form
from events.forms import country_choices
from exhibitors.models import BOOTH_STATUS_LABELS, CATEGORY_LABELS, BoothStatus


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, or b"" when none was chosen; the file is closed (large ones are on disk)."""
    if upload is None or not getattr(upload, "filename", None) and not getattr(upload, "stream", None):
        return b""
    try:
        return upload.read()
    finally:
        upload.close()


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExhibitorForm(Form):
    name = StringField(_l("Company name"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    country = SelectField(_l("Country"), choices=country_choices, default="VN")
    website = URLField(_l("Website"), filters=[_strip], validators=[Optional(), Length(max=300)])
    contact_email = EmailField(
        _l("Contact e-mail for visitors"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)]
    )
    description = TextAreaField(
        _l("What you show"), filters=[_strip], validators=[Optional(), Length(max=5000)], render_kw={"rows": 5}
    )
    categories = CheckboxesField(_l("Fields"), choices=list(CATEGORY_LABELS.items()))
    logo = FileField(_l("Logo"), render_kw={"accept": "image/png,image/jpeg,image/webp"})

    def profile(self) -> dict:
        """What the profile services take."""
        return {
            "name": self.name.data,
            "country": self.country.data,
            "website": self.website.data or "",
            "contact_email": self.contact_email.data,
            "description": self.description.data or "",
            "categories": self.categories.data or [],
        }

    def logo_bytes(self) -> bytes | None:
        return read_upload(self.logo.data) or None


class BoothForm(Form):
    code = StringField(_l("Code"), filters=[_strip], validators=[DataRequired(), Length(max=20)])
    hall = StringField(_l("Hall"), filters=[_strip], validators=[DataRequired(), Length(max=80)])
    zone = StringField(_l("Zone"), filters=[_strip], validators=[Optional(), Length(max=80)])
    x = DecimalField(_l("From the left wall (m)"), places=2, validators=[InputRequired(), NumberRange(min=0)])
    y = DecimalField(_l("From the back wall (m)"), places=2, validators=[InputRequired(), NumberRange(min=0)])
    width = DecimalField(_l("Width (m)"), places=2, validators=[DataRequired(), NumberRange(min=0.5, max=200)])
    depth = DecimalField(_l("Depth (m)"), places=2, validators=[DataRequired(), NumberRange(min=0.5, max=200)])
    price = DecimalField(_l("Price"), places=2, validators=[InputRequired(), NumberRange(min=0)])
    currency = StringField(_l("Currency"), filters=[_strip], default="USD", validators=[DataRequired(), Length(3, 3)])
    staff_badge_quota = IntegerField(_l("Staff badges"), validators=[Optional(), NumberRange(min=0, max=1000)])
    status = SelectField(
        _l("Status"),
        choices=[(s.value, BOOTH_STATUS_LABELS[s]) for s in (BoothStatus.AVAILABLE, BoothStatus.BLOCKED)],
        default=BoothStatus.AVAILABLE.value,
    )

    def booth(self, *, with_status: bool) -> dict:
        data = {name: getattr(self, name).data for name in ("code", "hall", "zone", "x", "y", "width", "depth")}
        data |= {"price": self.price.data, "currency": self.currency.data, "zone": self.zone.data or ""}
        data["staff_badge_quota"] = self.staff_badge_quota.data
        if with_status:
            data["status"] = BoothStatus(self.status.data)
        return data


class ImportForm(Form):
    file = FileField(_l("CSV file"), render_kw={"accept": ".csv,text/csv"})


class StaffForm(Form):
    full_name = StringField(_l("Full name"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)])
    language = SelectField(_l("Language of their mail"), choices=list(LANGUAGES.items()), default="en")


class LeadScanForm(Form):
    code = StringField(
        _l("Badge code"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=500)],
        render_kw={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "autofocus": True},
    )
    note = StringField(_l("Note (optional)"), filters=[_strip], validators=[Optional(), Length(max=2000)])


class NoteForm(Form):
    note = TextAreaField(_l("Note"), filters=[_strip], validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


class RejectForm(Form):
    reason = TextAreaField(
        _l("Reason, told to the company"), filters=[_strip], validators=[Optional(), Length(max=2000)]
    )


class BookForExhibitorForm(Form):
    booth_id = SelectField(_l("Booth"), coerce=int, choices=[])
    exhibitor_id = SelectField(_l("Exhibitor"), coerce=int, choices=[])


class ConfirmForm(Form):
    """Only the CSRF token: the button of an action that changes something."""
