"""`flask exhibitors expire-holds`, and the exhibition's part of the demo: the hall of DOMAIN.md, 35 booths and
35 smart-city companies of the region in every state, with staff and a few leads."""

from __future__ import annotations

import secrets
from decimal import Decimal
from functools import lru_cache

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from core.auth.models import Role, User, UserRole
from core.auth.services import find_user_by_email
from core.demo import DEMO_PASSWORD, ORGANISER_EMAIL
from core.extensions import db
from events.models import Event
from exhibitors import booking as bookings
from exhibitors import leads, services
from exhibitors.models import Booth, BoothStatus, Exhibitor, ExhibitorStatus, Lead
from registration import services as registrations

exhibitors_cli = AppGroup("exhibitors", help="The exhibition.")

DEMO_EVENT_SLUG = "ascn-2020"  # the summit of events/cli.py
HALL = "Exhibition Hall A"  # the room of the exhibition's opening in the demo programme


@exhibitors_cli.command("expire-holds")
def expire_holds_command():
    """Lapse held bookings past their time and free their booths (pages do it too; run it from cron for the mail)."""
    with site_context():
        lapsed = bookings.lapse_expired_holds()
    db.session.commit()
    click.echo(f"{len(lapsed)} held booking(s) lapsed")


# code prefix -> (row's y, booth width, depth, zone, price in USD); x runs along the row.
ROWS = [
    ("A", 0, 10, 3, 3, "Digital infrastructure", "2500"),
    ("B", 6, 8, 3, 3, "Smart mobility", "2500"),
    ("C", 9, 8, 3, 3, "Smart mobility", "2500"),
    ("D", 15, 6, 4, 3, "Urban planning and real estate", "3300"),
]
# Island stands of the partner pavilion, beside the rows: (code, x, y, width, depth, price).
ISLANDS = [("E01", 34, 6, 6, 6, "9000"), ("E02", 34, 13, 6, 6, "9000"), ("E03", 34, 20, 6, 4, "6000")]

# (name, country, categories, website)
COMPANIES = [
    ("Lạc Hồng Digital Twin JSC", "VN", ["urban_planning", "digital_infrastructure"], "https://lachong-twin.example"),
    ("Sông Hàn Smart Mobility", "VN", ["transport"], "https://songhan-mobility.example"),
    ("Hồ Gươm Urban Data", "VN", ["digital_infrastructure", "public_services"], "https://hoguom-data.example"),
    ("Mekong FinTech Payments", "VN", ["banking"], "https://mekong-pay.example"),
    ("Trường Sơn Telecom Networks", "VN", ["telecom"], "https://truongson-telecom.example"),
    ("An Phú Smart Buildings", "VN", ["real_estate", "energy"], "https://anphu-buildings.example"),
    ("Thăng Long Energy Grid", "VN", ["energy"], "https://thanglong-grid.example"),
    ("Đà Nẵng Smart Lighting", "VN", ["energy", "public_safety"], "https://danang-lighting.example"),
    ("Chao Phraya Mobility Co.", "TH", ["transport"], "https://chaophraya-mobility.example"),
    ("Siam Smart Parking", "TH", ["transport", "digital_infrastructure"], "https://siam-parking.example"),
    ("Lanna GeoSpatial", "TH", ["urban_planning"], "https://lanna-geo.example"),
    ("Bangkok Smart Bus", "TH", ["transport"], "https://bkk-smartbus.example"),
    ("Merlion Urban Analytics", "SG", ["urban_planning", "digital_infrastructure"], "https://merlion-urban.example"),
    ("Straits 5G Labs", "SG", ["telecom"], "https://straits5g.example"),
    ("Marina PropTech", "SG", ["real_estate"], "https://marina-proptech.example"),
    ("Orchard Cyber Shield", "SG", ["public_safety", "digital_infrastructure"], "https://orchard-cyber.example"),
    ("Petaling Smart Grid Sdn Bhd", "MY", ["energy"], "https://petaling-grid.example"),
    ("Klang Valley Transit Data", "MY", ["transport"], "https://klang-transit.example"),
    ("Borneo Water Sense", "MY", ["environment"], "https://borneo-water.example"),
    ("Nusantara Cashless Systems", "ID", ["banking"], "https://nusantara-cashless.example"),
    ("Jakarta Flood Watch", "ID", ["environment", "public_safety"], "https://jakarta-floodwatch.example"),
    ("Bali Green Energy", "ID", ["energy", "environment"], "https://bali-green.example"),
    ("Surabaya Waste Tech", "ID", ["environment"], "https://surabaya-waste.example"),
    ("Bayanihan e-Gov Services", "PH", ["public_services"], "https://bayanihan-egov.example"),
    ("Visayas Fibre Connect", "PH", ["telecom"], "https://visayas-fibre.example"),
    ("Manila Bay Traffic AI", "PH", ["transport", "public_safety"], "https://manilabay-traffic.example"),
    ("Angkor Digital Land Registry", "KH", ["real_estate", "public_services"], "https://angkor-land.example"),
    ("Mekong Delta Solar", "KH", ["energy"], "https://mekong-solar.example"),
    ("Vientiane Smart Water", "LA", ["environment"], "https://vientiane-water.example"),
    ("Irrawaddy Mobile Money", "MM", ["banking", "telecom"], "https://irrawaddy-money.example"),
    ("Yangon Urban Mapping", "MM", ["urban_planning"], "https://yangon-mapping.example"),
    ("Brunei Bay Smart Homes", "BN", ["real_estate"], "https://bruneibay-homes.example"),
    ("Yokohama Smart Community Lab", "JP", ["energy", "urban_planning"], "https://yokohama-lab.example"),
    ("Kansai Resilience Systems", "JP", ["public_safety"], "https://kansai-resilience.example"),
    ("Han River Smart City Co.", "KR", ["digital_infrastructure", "transport"], "https://hanriver-city.example"),
]
APPROVED, PENDING = 29, 4  # the first 29 approved, the next 4 pending, the last 2 rejected
CONFIRMED, HELD = 20, 6  # of the approved: booths booked, then held; the others have none yet
BLOCKED = ("E03", "D06")  # kept for the organisers' lounge and a fire exit
STAFF = {0: [("Phạm Minh Khôi", "khoi"), ("Đỗ Thị Lan Anh", "lananh")], 12: [("Lim Hui Ling", "huiling")]}
# Demo delegates who agreed to share their details, and the exhibitor (by index) whose staff scanned them.
LEADS = [
    ("tran.thi.thu@danang.gov.vn", 0),
    ("focal.vn@ascn2020.gov.vn", 0),
    ("tan.weiming@ura.gov.sg", 0),
    ("dewi.lestari@jakarta.go.id", 12),
]


def _slug(name: str) -> str:
    from registration.search import fold

    return "-".join("".join(c if c.isalnum() else " " for c in fold(name)).split())[:40]


def demo_booths() -> list[dict]:
    """The 35 booths of Exhibition Hall A."""
    booths = []
    for prefix, y, count, width, depth, zone, price in ROWS:
        for number in range(count):
            booths.append(
                {"code": f"{prefix}{number + 1:02d}", "x": number * width, "y": y, "width": width, "depth": depth}
                | {"zone": zone, "price": Decimal(price)}
            )
    for code, x, y, width, depth, price in ISLANDS:
        booths.append(
            {"code": code, "x": x, "y": y, "width": width, "depth": depth, "zone": "Partner pavilion"}
            | {"price": Decimal(price)}
        )
    return [booth | {"hall": HALL, "currency": "USD"} for booth in booths]


def site_context():
    """A request context on BASE_URL, so that the links in mails sent from the command line are absolute and right."""
    return current_app.test_request_context(base_url=current_app.config["BASE_URL"])


def load_demo_exhibition() -> None:
    """Create the hall, the companies, their bookings, staff and leads where missing; later edits are kept."""
    with site_context():
        _load_demo_exhibition()


def _load_demo_exhibition() -> None:
    event = db.session.scalar(select(Event).where(Event.slug == DEMO_EVENT_SLUG))
    organiser = find_user_by_email(ORGANISER_EMAIL)
    if event is None or organiser is None:
        return
    existing = {b.code: b for b in db.session.scalars(select(Booth).where(Booth.event_id == event.id))}
    booths = []
    for data in demo_booths():
        booth = existing.get(data["code"]) or bookings.create_booth(event, data)
        booths.append(booth)
    db.session.flush()
    for code in BLOCKED:
        if existing.get(code) is None:
            bookings.set_booth_status(next(b for b in booths if b.code == code), BoothStatus.BLOCKED)
    free_booths = [b for b in booths if b.code not in BLOCKED]
    for index, (name, country, categories, website) in enumerate(COMPANIES):
        exhibitor = _demo_exhibitor(event, organiser, index, name, country, categories, website)
        if exhibitor is None or not exhibitor.is_approved or index >= CONFIRMED + HELD:
            continue
        booth = free_booths[index]
        if not bookings.active_bookings_of(exhibitor) and booth.status is BoothStatus.AVAILABLE:
            booking = bookings.book_booth(booth, exhibitor, organiser)
            if index < CONFIRMED:
                bookings.confirm_booking(booking, organiser)
    db.session.flush()
    _demo_staff_and_leads(event, organiser)


def _demo_exhibitor(event, organiser, index, name, country, categories, website) -> Exhibitor | None:
    exhibitor = db.session.scalar(select(Exhibitor).where(Exhibitor.event_id == event.id, Exhibitor.name == name))
    if exhibitor is not None:
        return exhibitor
    email = f"expo@{_slug(name)}.example"
    account = find_user_by_email(email) or _demo_account(email, f"{name} (exhibitor)", country)
    exhibitor = services.apply(
        event,
        account,
        {
            "name": name,
            "country": country,
            "website": website,
            "contact_email": email,
            "categories": categories,
            "description": f"{name}: smart-city solutions for ASEAN cities.",
        },
    )
    if index < APPROVED:
        services.approve(exhibitor, organiser)
    elif index >= APPROVED + PENDING:
        services.reject(exhibitor, organiser, "The exhibition is full for this field.")
    return exhibitor


def _demo_account(email: str, full_name: str, country: str) -> User:
    """A demo exhibitor's account with the published demo password, hashed once for all 35 (scrypt is slow)."""
    account = User(
        email=email,
        full_name=full_name,
        password_hash=_demo_password_hash(),
        security_stamp=secrets.token_hex(16),
        country=country,
        language="en",
    )
    account.role_rows = [UserRole(role=Role.EXHIBITOR)]
    db.session.add(account)
    db.session.flush()
    return account


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    return generate_password_hash(DEMO_PASSWORD)


def _demo_staff_and_leads(event, organiser) -> None:
    exhibitors = {
        index: db.session.scalar(select(Exhibitor).where(Exhibitor.event_id == event.id, Exhibitor.name == name))
        for index, (name, *_rest) in enumerate(COMPANIES)
    }
    for index, people in STAFF.items():
        exhibitor = exhibitors[index]
        for full_name, handle in people:
            email = f"{handle}@{_slug(exhibitor.name)}.example"
            person = find_user_by_email(email)
            if person is None or registrations.registration_of(person, event) is None:
                leads.add_staff(exhibitor, organiser, email=email, full_name=full_name, language="vi")
    for email, index in LEADS:
        delegate = find_user_by_email(email)
        exhibitor = exhibitors[index]
        if delegate is None or exhibitor is None or exhibitor.status is not ExhibitorStatus.APPROVED:
            continue
        # The delegates' demo (registration.demo, loaded before) registered them; a full hall takes no one more.
        registration = registrations.registration_of(delegate, event)
        if registration is None or not registration.consent_lead_sharing or not registration.is_approved:
            continue
        if (
            db.session.scalar(
                select(Lead.id).where(Lead.exhibitor_id == exhibitor.id, Lead.registration_id == registration.id)
            )
            is None
        ):
            leads.record_lead(exhibitor, exhibitor.account, registration.badge_code, "Met at the opening; send a demo.")
