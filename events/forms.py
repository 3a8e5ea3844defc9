"""HTML forms of the organiser pages: events, rooms, sessions. They check shape; the rules stay in services."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from core.auth.forms import timezone_choices
from core.db import MAX_INTEGER
from core.errors import DomainError, attach_to_form
from core.forms import Form
from core.reference import ASEAN_COUNTRIES
from events.models import (
    SESSION_KIND_LABELS,
    ApprovalMode,
    Event,
    EventMode,
    EventStatus,
    ProgrammeSession,
    Room,
    SessionKind,
    SessionStatus,
)
from events.services import EVENT_FIELDS

# The five thematic workshops of the ASCN programme (DOMAIN.md). Stored as typed, in English, so that the
# API's `theme` filter finds them whatever the organiser's interface language.
# Babel's territories that are groupings or placeholders, not countries.
_NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"}

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# What <input type="datetime-local"> sends (seconds only when the page asks for them).
DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
SPARE_SPEAKER_ROWS = 2
MIN_SPEAKER_ROWS = 5

# Lazy labels: the models' `label` properties are read at render time, a form's choices once at import.
EVENT_MODE_LABELS = {
    EventMode.IN_PERSON: _l("In person"),
    EventMode.ONLINE: _l("Online"),
    EventMode.HYBRID: _l("Hybrid"),
}
SESSION_STATUS_LABELS = {
    SessionStatus.DRAFT: _l("Draft"),
    SessionStatus.PUBLISHED: _l("Published"),
    SessionStatus.CANCELLED: _l("Cancelled"),
}
EVENT_STATUS_LABELS = {EventStatus.DRAFT: _l("Draft (organisers only)"), EventStatus.PUBLISHED: _l("Published")}
APPROVAL_LABELS = {
    ApprovalMode.MODERATED: _l("Moderated: an organiser approves each registration"),
    ApprovalMode.AUTO: _l("Automatic: registrations are approved at once"),
}


def country_choices() -> list[tuple[str, str]]:
    """ASEAN member states first, then every other country, named in the interface language."""
    names = get_locale().territories
    region = [(code, names.get(code, code)) for code in ASEAN_COUNTRIES]
    rest = sorted(
        (
            (code, name)
            for code, name in names.items()
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES and code not in ASEAN_COUNTRIES
        ),
        key=lambda choice: _sort_key(choice[1]),
    )
    return region + rest


def _sort_key(name: str) -> str:
    # "Åland Islands" among the A's, "Côte d’Ivoire" before "Croatia".
    return "".join(char for char in unicodedata.normalize("NFKD", name) if not unicodedata.combining(char)).casefold()


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def local_naive(value: datetime | None, event: Event) -> datetime | None:
    """A stored UTC instant as the wall-clock time of the event's zone, the way the form shows it."""
    return value.astimezone(event.zone).replace(tzinfo=None) if value is not None else None


def show_service_error(form, exc: DomainError, *, aliases=None, codes=None) -> None:
    """Place a service's error next to the input a person filled in, else above the form.

    `aliases` renames the service's field names to the form's; `codes` names the input a domain code concerns.
    """
    aliases, codes = aliases or {}, codes or {}
    fields: dict[str, list[str]] = {}
    for name, problems in (exc.fields or {}).items():
        if hasattr(getattr(form, aliases.get(name, name), None), "errors"):
            fields[aliases.get(name, name)] = list(problems)
        else:  # a rule about something the form does not ask for: say what it is, not just "not valid"
            form.form_errors.extend(problems)
    if not exc.fields and exc.code in codes:
        fields = {codes[exc.code]: [exc.message]}
    if fields or not exc.fields:
        attach_to_form(form, DomainError(exc.code, exc.message, status=exc.status, fields=fields))


# Events ---------------------------------------------------------------------------------------------------------


class EventForm(Form):
    slug = StringField(
        _l("Address (slug)"),
        filters=[_lower],
        validators=[
            DataRequired(),
            Length(min=2, max=80),
            Regexp(SLUG_PATTERN, message=_l("Use lower-case letters, digits and hyphens, such as ascn-2020.")),
        ],
    )
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    # Not limited to the list: the service says why an unknown zone is refused.
    timezone = SelectField(_l("Time zone"), choices=timezone_choices, validate_choice=False, default="Asia/Ho_Chi_Minh")
    venue = StringField(_l("Venue"), filters=[_strip], validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), filters=[_strip], validators=[Optional(), Length(max=100)])
    country = SelectField(_l("Country"), choices=country_choices, default="VN")
    mode = SelectField(
        _l("Format"), choices=list(EVENT_MODE_LABELS.items()), coerce=EventMode, default=EventMode.IN_PERSON
    )
    status = SelectField(
        _l("Status"), choices=list(EVENT_STATUS_LABELS.items()), coerce=EventStatus, default=EventStatus.DRAFT
    )
    capacity = IntegerField(_l("In-person seats"), validators=[Optional(), NumberRange(min=0, max=MAX_INTEGER)])
    approval = SelectField(
        _l("Approval of registrations"),
        choices=list(APPROVAL_LABELS.items()),
        coerce=ApprovalMode,
        default=ApprovalMode.MODERATED,
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"), format=DATETIME_LOCAL_FORMATS, validators=[Optional()]
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), format=DATETIME_LOCAL_FORMATS, validators=[Optional()]
    )
    description = TextAreaField(
        _l("Description"), filters=[_strip], validators=[Optional(), Length(max=20000)], render_kw={"rows": 5}
    )

    @classmethod
    def for_event(cls, event: Event) -> EventForm:
        """The edit form, with the registration window in the event's own wall-clock time."""
        data = {name: getattr(event, name) for name in EVENT_FIELDS}
        data["registration_opens_at"] = local_naive(event.registration_opens_at, event)
        data["registration_closes_at"] = local_naive(event.registration_closes_at, event)
        return cls(data=data)

    def to_service(self) -> dict:
        """What create_event/update_event take; naive date-times are read there in the event's time zone."""
        data = {name: getattr(self, name).data for name in EVENT_FIELDS}
        data["country"] = (data["country"] or "").upper()
        data["description"] = data["description"] or ""
        data["venue"] = data["venue"] or ""
        data["city"] = data["city"] or ""
        return data


# Rooms ----------------------------------------------------------------------------------------------------------


class RoomForm(Form):
    name = StringField(_l("Room name"), filters=[_strip], validators=[DataRequired(), Length(max=120)])
    capacity = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=0, max=MAX_INTEGER)])


# Sessions -------------------------------------------------------------------------------------------------------


class SpeakerEntryForm(Form):
    """One row of the speakers table; an empty row is ignored."""

    class Meta:
        csrf = False  # part of the session form, which carries the token

    name = StringField(_l("Name"), filters=[_strip], validators=[Optional(), Length(max=200)])
    organisation = StringField(_l("Organisation"), filters=[_strip], validators=[Optional(), Length(max=200)])

    def validate_name(self, field):
        if not field.data and self.organisation.data:
            raise ValidationError(_l("Give the speaker's name as well."))


def _room_id(value):
    return None if value in (None, "") else int(value)


class SessionForm(Form):
    # A service error without a field of its own goes next to the input it concerns.
    ERROR_FIELDS = {"room_conflict": "room_id", "speaker_conflict": "speakers", "outside_event_dates": "day"}
    # The service speaks of instants; the form asks for a day and times.
    SERVICE_ALIASES = {"starts_at": "start_time", "ends_at": "end_time"}

    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(), Length(max=300)])
    kind = SelectField(
        _l("Kind"), choices=list(SESSION_KIND_LABELS.items()), coerce=SessionKind, default=SessionKind.PLENARY
    )
    theme = StringField(
        _l("Theme"), filters=[_strip], validators=[Optional(), Length(max=200)], render_kw={"list": "ascn-themes"}
    )
    description = TextAreaField(
        _l("Description"), filters=[_strip], validators=[Optional(), Length(max=20000)], render_kw={"rows": 4}
    )
    day = DateField(_l("Day"), validators=[DataRequired()])
    start_time = TimeField(_l("Starts at"), format=TIME_FORMATS, validators=[DataRequired()])
    end_time = TimeField(_l("Ends at"), format=TIME_FORMATS, validators=[DataRequired()])
    end_day = DateField(_l("Ends on a later day"), validators=[Optional()])
    room_id = SelectField(_l("Room"), coerce=_room_id, choices=[])
    capacity = IntegerField(_l("Seats for sign-up"), validators=[Optional(), NumberRange(min=0, max=MAX_INTEGER)])
    online_url = URLField(
        _l("Online join link"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=500),
            URL(require_tld=False, message=_l("Give a full web address, starting with https://.")),
            Regexp(r"^https?://", message=_l("Give a full web address, starting with https://.")),
        ],
    )
    status = SelectField(
        _l("Status"),
        choices=list(SESSION_STATUS_LABELS.items()),
        coerce=SessionStatus,
        default=SessionStatus.DRAFT,
    )
    speakers = FieldList(FormField(SpeakerEntryForm), min_entries=MIN_SPEAKER_ROWS)

    def __init__(self, *args, event: Event, rooms: list[Room], **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.room_id.choices = [("", _("No room (online only, or not decided yet)"))] + [
            (
                room.id,
                room.name
                if room.capacity is None
                else _("%(room)s, %(seats)d seats", room=room.name, seats=room.capacity),
            )
            for room in rooms
        ]
        for field in (self.day, self.end_day):
            field.render_kw = {"min": event.starts_on.isoformat(), "max": event.ends_on.isoformat()}
        filled = sum(1 for entry in self.speakers if entry.form.name.data or entry.form.organisation.data)
        while len(self.speakers) < max(MIN_SPEAKER_ROWS, filled + SPARE_SPEAKER_ROWS):
            self.speakers.append_entry()

    @classmethod
    def for_session(cls, session: ProgrammeSession, rooms: list[Room]) -> SessionForm:
        """The edit form, with times on the event's wall clock."""
        event = session.event
        starts, ends = local_naive(session.starts_at, event), local_naive(session.ends_at, event)
        data = {
            "title": session.title,
            "kind": session.kind,
            "theme": session.theme,
            "description": session.description,
            "day": starts.date(),
            "start_time": starts.time(),
            "end_time": ends.time(),
            "end_day": ends.date() if _ends_on_later_day(starts, ends) else None,
            "room_id": session.room_id,
            "capacity": session.capacity,
            "online_url": session.online_url,
            "status": session.status,
            "speakers": [{"name": s.name, "organisation": s.organisation} for s in session.speakers],
        }
        return cls(data=data, event=event, rooms=rooms)

    def to_service(self) -> dict:
        """What create_session/update_session take; the naive times are read there in the event's time zone."""
        end_day = self.end_day.data or self.day.data
        return {
            "title": self.title.data,
            "kind": self.kind.data,
            "theme": self.theme.data or "",
            "description": self.description.data or "",
            "starts_at": datetime.combine(self.day.data, self.start_time.data),
            "ends_at": datetime.combine(end_day, self.end_time.data),
            "room_id": self.room_id.data,
            "capacity": self.capacity.data,
            "online_url": self.online_url.data or None,
            "status": self.status.data,
            "speakers": [
                {"name": entry.form.name.data, "organisation": entry.form.organisation.data or ""}
                for entry in self.speakers
                if entry.form.name.data
            ],
        }

    def show_error(self, exc: DomainError) -> None:
        show_service_error(self, exc, aliases=self.SERVICE_ALIASES, codes=self.ERROR_FIELDS)

    def validate_end_day(self, field):
        if field.data is not None and self.day.data is not None and field.data < self.day.data:
            raise ValidationError(_l("The session cannot end on a day before it starts."))


def _ends_on_later_day(starts: datetime, ends: datetime) -> bool:
    # A session ending at midnight ends "on" the next day, which the end time 00:00 alone would not say.
    return ends.date() > starts.date()


class ConfirmForm(Form):
    """Only the CSRF token: the button of a confirmation page that changes something."""
