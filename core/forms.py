"""The base of every HTML form: WTForms' own messages ("This field is required.") in the user's language."""

from __future__ import annotations

from flask_babel import get_translations, ngettext
from flask_babel import gettext as _
from flask_wtf import FlaskForm


class _CatalogueTranslations:
    """WTForms ships no Vietnamese, so its built-in messages are looked up in our own catalogue.

    The raw lookups, not flask_babel's gettext: WTForms fills in %(min)d and the like itself afterwards.
    """

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


_translations = _CatalogueTranslations()


class Form(FlaskForm):
    """Subclass this, not FlaskForm, so validation messages follow the interface language."""

    class Meta:
        def get_translations(self, form):
            return _translations


def _wtforms_messages() -> None:  # pragma: no cover
    """Never called: names WTForms' built-in messages so that `make extract-messages` puts them in our catalogue.

    tests/core/test_i18n.py checks this list against WTForms' own message template.
    """
    _("Invalid field name '%s'.")
    _("Field must be equal to %(other_name)s.")
    ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1)
    ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1)
    ngettext("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1)
    _("Field must be between %(min)d and %(max)d characters long.")
    _("Number must be at least %(min)s.")
    _("Number must be at most %(max)s.")
    _("Number must be between %(min)s and %(max)s.")
    _("This field is required.")
    _("Invalid input.")
    _("Invalid email address.")
    _("Invalid IP address.")
    _("Invalid Mac address.")
    _("Invalid URL.")
    _("Invalid UUID.")
    _("Invalid value, must be one of: %(values)s.")
    _("Invalid value, can't be any of: %(values)s.")
    _("This field cannot be edited.")
    _("This field is disabled and cannot have a value.")
    _("Invalid CSRF Token.")
    _("CSRF token missing.")
    _("CSRF failed.")
    _("CSRF token expired.")
    _("Invalid Choice: could not coerce.")
    _("Choices cannot be None.")
    _("Not a valid choice.")
    _("Invalid choice(s): one or more data inputs could not be coerced.")
    ngettext(
        "'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1
    )
    _("Not a valid datetime value.")
    _("Not a valid date value.")
    _("Not a valid time value.")
    _("Not a valid week value.")
    _("Not a valid integer value.")
    _("Not a valid decimal value.")
    _("Not a valid float value.")
