"""The programme as iCalendar: feeds and downloads (RFC 5545), e-mailed invitations (iTIP, RFC 5546), join links
(CONFERENCE, RFC 7986). One VEVENT per session, named by its UID for life, with the event's VTIMEZONE."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache

from flask import Response, current_app
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Conference, Timezone, vCalAddress, vDuration
from icalendar import Event as VEvent

from events.models import Event, ProgrammeSession, SessionStatus

PRODID = "-//ASCN Summit//Programme//EN"
ORGANIZER_NAME = "ASCN Summit"
ALARM_BEFORE = timedelta(minutes=15)
# How often subscribed clients should fetch a feed again (REFRESH-INTERVAL, and Outlook's X-PUBLISHED-TTL).
FEED_REFRESH = timedelta(hours=1)


class Method:
    """iTIP methods of the mails; feeds and downloads carry none."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class Attendee:
    """The delegate an iTIP message is addressed to."""

    email: str
    name: str


def session_url(session: ProgrammeSession) -> str:
    """The session's public page, on BASE_URL (also used outside a request, by the mail sender)."""
    return f"{current_app.config['BASE_URL']}/events/{session.event.slug}/sessions/{session.id}"


def session_location(session: ProgrammeSession) -> str:
    """Room, venue and city, comma-separated; "Online" for a session without a room that has a join link."""
    if session.is_online_only:
        return _("Online")
    event = session.event
    parts = [session.room.name if session.room else "", event.venue, event.city]
    return ", ".join(part for part in parts if part)


def build_calendar(
    event: Event,
    sessions: Iterable[ProgrammeSession],
    *,
    name: str | None = None,
    join_links: bool = False,
    alarm: bool = False,
    method: str | None = None,
    attendee: Attendee | None = None,
    feed: bool = False,
) -> bytes:
    """A VCALENDAR of `sessions` (all of `event`): drafts are left out whatever the caller passed, except from a
    CANCEL, where they are marked STATUS:CANCELLED.

    `join_links` puts the join link of online sessions in CONFERENCE and DESCRIPTION: only for organisers and
    approved registrants. `method` (REQUEST or CANCEL) makes an iTIP message addressed to `attendee`; a `feed`
    tells subscribed clients how often to refresh.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        if attendee is None:
            raise ValueError("An iTIP message needs an attendee.")
        calendar.add("method", method)
    calendar.add("x-wr-calname", name or event.name)
    calendar.add("x-wr-timezone", event.timezone)
    if feed:
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    timezone = _vtimezone(event)
    if timezone is not None:
        calendar.add_component(timezone)
    stamp = datetime.now(UTC).replace(microsecond=0)
    for session in sessions:
        if session.status is SessionStatus.DRAFT and method != Method.CANCEL:
            continue  # a CANCEL may name a session taken back to draft: it leaves the delegates' calendars
        calendar.add_component(
            _vevent(
                session,
                stamp=stamp,
                join_link=join_links and method != Method.CANCEL,
                alarm=alarm and method != Method.CANCEL and not session.is_cancelled,
                attendee=attendee if method else None,
            )
        )
    return calendar.to_ical()


def calendar_response(body: bytes, *, filename: str, private: bool) -> Response:
    """text/calendar; charset=utf-8, shown inline so that a browser or calendar client may open it."""
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # A personal calendar holds join links and sits behind a secret URL: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    if private:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _vtimezone(event: Event) -> Timezone | None:
    # Transitions from a year before the event to a year after: enough for every session, and small for zones
    # with daylight saving time (the library's default range spans 1970-2038).
    text = _vtimezone_text(event.timezone, event.starts_on.year - 1, event.ends_on.year + 2)
    return Timezone.from_ical(text) if text else None


@lru_cache(maxsize=64)
def _vtimezone_text(tzid: str, first_year: int, last_year: int) -> str | None:
    """The VTIMEZONE as text, computed once per zone and years: the library walks every instant of the range
    (about 0.15 s a call here), while parsing the cached text back takes a fraction of a millisecond."""
    try:
        timezone = Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1))
    except ValueError:  # UTC and its aliases need no VTIMEZONE
        return None
    return timezone.to_ical().decode()


def _vevent(
    session: ProgrammeSession, *, stamp: datetime, join_link: bool, alarm: bool, attendee: Attendee | None
) -> VEvent:
    event = session.event
    zone = event.zone
    online_url = session.online_url if join_link else None
    vevent = VEvent()
    vevent.add("uid", session.uid)
    vevent.add("sequence", session.sequence)
    vevent.add("dtstamp", stamp)
    vevent.add("last-modified", (session.updated_at or stamp).astimezone(UTC).replace(microsecond=0))
    vevent.add("dtstart", session.starts_at.astimezone(zone))
    vevent.add("dtend", session.ends_at.astimezone(zone))
    vevent.add("summary", session.title)
    location = session_location(session)
    if location:
        vevent.add("location", location)
    vevent.add("url", session_url(session))
    description = _description(session, online_url)
    if description:
        vevent.add("description", description)
    withdrawn = session.is_cancelled or session.status is SessionStatus.DRAFT
    vevent.add("status", "CANCELLED" if withdrawn else "CONFIRMED")
    vevent.add("categories", [session.kind.label])
    if online_url:
        vevent.conferences = [Conference(online_url, feature="VIDEO", label=_("Join online"))]
    if attendee is not None:
        vevent.add("organizer", _organizer())
        vevent.add("attendee", _attendee(attendee))
    if alarm:
        reminder = Alarm()
        reminder.add("action", "DISPLAY")
        reminder.add("description", session.title)
        reminder.add("trigger", -ALARM_BEFORE)
        vevent.add_component(reminder)
    return vevent


def _description(session: ProgrammeSession, online_url: str | None) -> str:
    about = []
    if session.theme:
        about.append(_("Theme: %(theme)s", theme=session.theme))
    if session.speakers:
        names = [
            f"{speaker.name} ({speaker.organisation})" if speaker.organisation else speaker.name
            for speaker in session.speakers
        ]
        about.append(_("Speakers: %(names)s", names="; ".join(names)))
    blocks = ["\n".join(about), session.description.strip()]
    if online_url:
        blocks.append(_("Join online: %(url)s", url=online_url))
    elif session.online_url:
        blocks.append(_("Approved registrants find the join link in their own calendar."))
    return "\n\n".join(block for block in blocks if block)


def _organizer() -> vCalAddress:
    _name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = ORGANIZER_NAME
    return organizer


def _attendee(attendee: Attendee) -> vCalAddress:
    address = vCalAddress(f"mailto:{attendee.email}")
    address.params["CN"] = attendee.name
    address.params["ROLE"] = "REQ-PARTICIPANT"
    address.params["PARTSTAT"] = "NEEDS-ACTION"
    address.params["RSVP"] = "TRUE"
    return address
