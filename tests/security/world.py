"""One summit with a person of every role, and data of every kind owned by someone, for the authorisation matrix.

The actors are the columns of the matrix:

    nobody       no sign-in at all
    delegate     a plain account (every account is a delegate) that owns nothing below
    focal_point  the focal point of Cambodia (KH); the data below is Viet Nam's (VN)
    checkin      check-in staff
    exhibitor    the account of another exhibitor of the same summit
    organiser    an organiser
    admin        an administrator (holds every role)
    owner        Nguyễn Tường Văn (VN): owns the registration, the exhibitor and its leads below

Shared objects (`world.event`, `world.registration`, ...) are read by the calls that only read. A call that changes
or consumes what it is given asks the world for a fresh object each time (`fresh_session()`, `fresh_booking()`...),
so that the order in which the actors call does not matter.
"""

from __future__ import annotations

import io
import itertools
from datetime import datetime, time, timedelta

from PIL import Image
from werkzeug.security import generate_password_hash

from core.auth import services as accounts
from core.auth.models import Role, User
from core.extensions import db
from events import services as programme
from events.models import Event, EventStatus, ProgrammeSession, SessionKind, SessionStatus
from exhibitors import booking as bookings
from exhibitors import leads
from exhibitors import services as exhibition
from exhibitors.models import Booking, Booth, Exhibitor
from registration import checkin
from registration.models import Attendance, Category, Registration, RegistrationStatus, Signup, SignupStatus
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.programme import EVENT_DEFAULTS

ACTORS = ("nobody", "delegate", "focal_point", "checkin", "exhibitor", "organiser", "admin", "owner")
OWNER_NAME = "Nguyễn Tường Văn"
OWNER_COUNTRY = "VN"
FOCAL_POINT_COUNTRY = "KH"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (11, 61, 110)).save(buffer, format="PNG")
    return buffer.getvalue()


class World:
    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        # Fresh sessions get their own quarter of an hour, so that one registration may sign up for all of them.
        self._slots = itertools.count(0)
        self.users: dict[str, User] = {}
        self._tokens: dict[str, dict] = {}
        self._hashes: dict[str, str] = {}
        # The ids of the shared objects, read once (every commit expires the objects themselves).
        self.ids: dict[str, int | str] = {}

    def number(self) -> int:
        return next(self._numbers)

    # People ------------------------------------------------------------------------------------------------------

    def person(self, *, roles=(), country: str | None = OWNER_COUNTRY, full_name: str = "Trần Thị Hoa") -> User:
        """An account without a password (no slow hash); it signs in here by token or session only."""
        user = accounts.create_user(
            f"person{self.number()}@example.org", None, full_name, roles={Role(r) for r in roles}, country=country
        )
        db.session.flush()
        return user

    def new_account_like(self, actor: str, *, password: str | None = None) -> User:
        """A new account with the roles and country of the actor's (for a call that consumes its caller)."""
        model = self.users[actor]
        user = accounts.create_user(
            f"fresh{self.number()}@example.org",
            None,
            model.full_name,
            roles={role for role in model.roles if role is not Role.DELEGATE},
            country=model.country,
        )
        if password is not None:
            user.password_hash = self.password_hash(password)
        db.session.commit()
        return user

    def password_hash(self, password: str) -> str:
        """One slow hash per world and password, shared by the accounts that need one."""
        if password not in self._hashes:
            self._hashes[password] = generate_password_hash(password)
        return self._hashes[password]

    def bearer(self, actor: str, fresh: str | None = None) -> dict:
        """The actor's Authorization header (none for nobody). `fresh`: "token" for a token of its own, "account"
        for a new account like the actor's, "password" for one with a password; otherwise one token per actor."""
        if actor == "nobody":
            return {}
        if fresh is None and actor in self._tokens:
            return self._tokens[actor]
        user = self.users[actor]
        if fresh in ("account", "password"):
            user = self.new_account_like(actor, password=PASSWORD if fresh == "password" else None)
        headers = {"Authorization": f"Bearer {accounts.issue_token(user)}"}
        db.session.commit()
        if fresh is None:
            self._tokens[actor] = headers
        return headers

    def password_user(self) -> User:
        """An account with a password, to exchange for a token (made once: the hash is slow on purpose)."""
        if "password" not in self.users:
            self.users["password"] = accounts.create_user(
                "van.password@danang.gov.vn", None, OWNER_NAME, country=OWNER_COUNTRY
            )
            self.users["password"].password_hash = self.password_hash(PASSWORD)
            db.session.commit()
        return self.users["password"]

    def reset_token(self) -> str:
        return accounts.make_reset_token(self.password_user())

    # Programme ---------------------------------------------------------------------------------------------------

    def fresh_event(self) -> Event:
        return create_event(f"summit-{self.number()}")

    def slot(self) -> tuple[datetime, datetime]:
        """A quarter of an hour of the summit that no other fresh session has (48 a day, from 07:00)."""
        n = next(self._slots)
        day = self.event.starts_on + timedelta(days=n // 48)
        start = datetime.combine(day, time(7), tzinfo=self.event.zone) + timedelta(minutes=15 * (n % 48))
        return start, start + timedelta(minutes=10)

    def fresh_session(self, event: Event | None = None) -> ProgrammeSession:
        start, end = self.slot()
        session = programme.create_session(
            event or self.event,
            {
                "title": f"Plenary {self.number()}",
                "kind": SessionKind.PLENARY,
                "status": SessionStatus.PUBLISHED,
                "starts_at": start,
                "ends_at": end,
                "speakers": [],
            },
        )
        db.session.commit()
        return session

    # Registrations -----------------------------------------------------------------------------------------------

    def registration_of(self, user: User, event: Event | None = None, status: str = "approved") -> Registration:
        registration = Registration(
            event=event or self.event,
            user=user,
            status=RegistrationStatus(status),
            full_name=user.full_name,
            country=user.country or OWNER_COUNTRY,
            organisation="Bộ Xây dựng",
            category=Category.GOVERNMENT,
            attendance=Attendance.IN_PERSON,
            consent_data_processing=True,
            consent_lead_sharing=True,
        )
        db.session.add(registration)
        db.session.commit()
        return registration

    def fresh_registration(self, status: str = "approved") -> Registration:
        """A registration of the summit, Viet Nam's, of a new person: nobody's among the actors."""
        return self.registration_of(self.person(), status=status)

    def fresh_registration_for(self, actor: str) -> Registration:
        """The owner's own registration (in a new event, one registration per event), else someone else's."""
        if actor == "owner":
            return self.registration_of(self.users["owner"], self.fresh_event())
        return self.fresh_registration()

    def fresh_signup(self, registration: Registration) -> Signup:
        session = self.fresh_session()
        signup = Signup(session=session, registration=registration, status=SignupStatus.CONFIRMED)
        session.signups_count += 1
        db.session.add(signup)
        db.session.commit()
        return signup

    # Exhibition --------------------------------------------------------------------------------------------------

    def booth_fields(self) -> dict:
        n = self.number()
        return {
            "code": f"B{n:03d}",
            "hall": "Hall B",
            "x": 10 * (n % 100),
            "y": 50 + 10 * (n // 100),
            "width": 3,
            "depth": 3,
            "price": "2500",
        }

    def fresh_booth(self) -> Booth:
        booth = bookings.create_booth(self.event, self.booth_fields())
        db.session.commit()
        return booth

    def fresh_booking(self) -> Booking:
        booking = bookings.book_booth(self.fresh_booth(), self.exhibitor, self.users["owner"])
        db.session.commit()
        return booking

    def fresh_exhibitor(self, status: str = "pending", *, account: User | None = None, event=None) -> Exhibitor:
        """An exhibitor of the summit (or of `event`) applied for by `account`, by default a new person."""
        exhibitor = exhibition.apply(
            event or self.event,
            account or self.person(),
            {"name": f"Smart City Company {self.number()}", "country": "VN", "categories": ["transport"]},
        )
        if status == "approved":
            exhibition.approve(exhibitor, self.users["organiser"])
        db.session.commit()
        return exhibitor

    def fresh_badge_code(self) -> str:
        """The badge code of an approved delegate who agreed to share their details with exhibitors."""
        return self.fresh_registration().badge_code


def build_world() -> World:
    """The summit, the actors, and the owner's registration, sign-up, exhibitor, booth, booking, logo and lead."""
    world = World()
    users = world.users
    users["delegate"] = world.person(full_name="Phạm Minh Khôi")
    users["focal_point"] = world.person(roles=["focal_point"], country=FOCAL_POINT_COUNTRY, full_name="Chan Sokha")
    users["checkin"] = world.person(roles=["checkin"], full_name="Đỗ Lan Anh")
    users["exhibitor"] = world.person(roles=["exhibitor"], full_name="Lạc Hồng Digital")
    users["organiser"] = world.person(roles=["organiser"], full_name="Lê Hoàng Trung")
    users["admin"] = world.person(roles=["admin"], full_name="Quản trị viên")
    users["owner"] = world.person(roles=["exhibitor"], full_name=OWNER_NAME)

    world.event = create_event("ascn-2020")
    world.room = programme.create_room(world.event, name="Phòng 201", capacity=60)
    db.session.flush()
    world.session = world.fresh_session()
    world.session.online_url = "https://meet.example.org/ascn-2020-opening"
    world.draft_event = create_event("ascn-2021-draft", status=EventStatus.DRAFT)
    world.checkpoint = checkin.create_checkpoint(world.event, {"name": "Main entrance"})
    world.registration = world.registration_of(users["owner"])
    world.signup = world.fresh_signup(world.registration)
    # The exhibitor's own account is the other exhibitor; it has a place of its own at the summit.
    world.other_exhibitor = world.fresh_exhibitor("approved", account=users["exhibitor"])
    world.exhibitor = exhibition.apply(
        world.event, users["owner"], {"name": "Sông Hàn Smart Mobility", "country": "VN", "categories": ["transport"]}
    )
    exhibition.approve(world.exhibitor, users["organiser"])
    world.pending_exhibitor = world.fresh_exhibitor()
    # Room for the staff that the matrix names (one per call of the right roles).
    world.booth = bookings.create_booth(world.event, world.booth_fields() | {"staff_badge_quota": 20})
    db.session.commit()
    world.booking = bookings.book_booth(world.booth, world.exhibitor, users["owner"])
    bookings.confirm_booking(world.booking, users["organiser"])
    exhibition.set_logo(world.exhibitor, png())
    world.lead, _created = leads.record_lead(world.exhibitor, users["owner"], world.fresh_badge_code(), "Call back")
    db.session.commit()
    world.ids = {
        "event_id": world.event.id,
        "slug": world.event.slug,
        "room_id": world.room.id,
        "session_id": world.session.id,
        "registration_id": world.registration.id,
        "checkpoint_id": world.checkpoint.id,
        "booth_id": world.booth.id,
        "booking_id": world.booking.id,
        "exhibitor_id": world.exhibitor.id,
        "lead_id": world.lead.id,
        "feed_token": world.registration.feed_token,
        "version": world.exhibitor.logo_version,
    }
    return world


def create_event(slug: str, status: EventStatus = EventStatus.PUBLISHED) -> Event:
    event = programme.create_event(EVENT_DEFAULTS | {"slug": slug, "status": status})
    db.session.commit()
    return event
