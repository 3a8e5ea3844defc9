"""HTML forms of the account pages."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from core.auth.models import LANGUAGES, ROLE_LABELS, Role
from core.auth.services import MIN_PASSWORD_LENGTH
from core.forms import Form

# The region's zones first, then the rest of the world.
REGION_TIMEZONES = [
    "Asia/Ho_Chi_Minh",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Phnom_Penh",
    "Asia/Vientiane",
    "Asia/Yangon",
    "Asia/Kuala_Lumpur",
    "Asia/Singapore",
    "Asia/Manila",
    "Asia/Brunei",
    "Asia/Makassar",
    "Asia/Tokyo",
    "UTC",
]


def timezone_choices() -> list[tuple[str, str]]:
    rest = sorted(available_timezones() - set(REGION_TIMEZONES))
    return [(zone, zone.replace("_", " ")) for zone in REGION_TIMEZONES + rest]


def _password_field(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD_LENGTH, message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)),
        ],
    )


class SignInForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class SignUpForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = _password_field(_l("Password"))
    confirm = PasswordField(
        _l("Repeat password"), validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))]
    )
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()))
    timezone = SelectField(_l("Time zone"), choices=timezone_choices)


class ProfileForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()))
    timezone = SelectField(_l("Time zone"), choices=timezone_choices)


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = _password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(Form):
    new_password = _password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class UserRolesForm(Form):
    roles = SelectMultipleField(
        _l("Roles"), choices=[(role.value, ROLE_LABELS[role]) for role in Role if role is not Role.DELEGATE]
    )
    country = StringField(_l("Country (ISO code, for focal points)"), validators=[Optional(), Length(min=2, max=2)])


class DeleteAccountForm(Form):
    password = PasswordField(_l("Your password"), validators=[DataRequired()])
    confirm = BooleanField(
        _l("I understand that my account is deleted and my registrations are anonymised."),
        validators=[DataRequired()],
    )
