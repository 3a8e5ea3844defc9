"""Registration's part of the demo: about 300 delegates of the ASCN 2020 summit in every state, with workshop
sign-ups and waiting lists, made through the same services as real registrations (seats, waiting positions).

The people are fictional: `flask demo load` keeps what their registrations would mail out of the outbox. Every demo
delegate signs in with the demo password.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from core.auth.models import Role, User
from core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from core.extensions import db
from core.reference import ASCN_CITIES
from events.cli import SUMMIT_SLUG
from events.models import Event, ProgrammeSession, SessionKind
from registration import services
from registration.models import Attendance, Category, Registration, RegistrationStatus
from registration.search import fold

# Enough to tell that the demo is loaded; the loader runs once per database.
LOADED_AT_LEAST = 100
SEED = 2020

# Names as people of each member state write them: family name first where that is the custom.
NAMES = {
    "VN": (
        ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"],
        ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Quốc", "Thanh", "Ngọc", "Tường", "Thùy"],
        ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khánh", "Lan", "Linh"]
        + ["Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Tuấn"],
    ),
    "TH": (
        ["Somchai", "Somsak", "Suda", "Ananda", "Kanya", "Prasert", "Wichai", "Nattapong", "Siriporn"],
        [],
        ["Wongsawat", "Srisai", "Chaiyaporn", "Kittisak", "Boonmee", "Rattanakul", "Sukprasert", "Thongchai"],
    ),
    "ID": (
        ["Dewi", "Budi", "Agus", "Sri", "Rina", "Andi", "Wahyu", "Putri", "Hendra", "Indah"],
        [],
        ["Lestari", "Santoso", "Wijaya", "Hidayat", "Saputra", "Kurniawan", "Pratama", "Nugroho"],
    ),
    "MY": (
        ["Ahmad", "Nurul", "Siti", "Muhammad", "Farah", "Aisyah", "Hafiz", "Zulkifli", "Syafiqah"],
        ["binti", "bin"],
        ["Abdullah", "Ismail", "Hassan", "Rahman", "Yusof", "Osman", "Ibrahim"],
    ),
    "PH": (
        ["María", "José", "Juan", "Ana", "Ramón", "Cristina", "Miguel", "Lourdes", "Andrés"],
        [],
        ["Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "dela Cruz", "García", "Peñaflor", "Mendoza"],
    ),
    "SG": (
        ["Tan", "Lim", "Lee", "Ng", "Ong", "Goh", "Chua", "Koh"],
        [],
        ["Wei Ming", "Wei Ling", "Jun Jie", "Hui Min", "Kai Xiang", "Mei Ling", "Zhi Hao", "Xin Yi"],
    ),
    "KH": (
        ["Chan", "Sok", "Kim", "Heng", "Chea", "Meas", "Ly", "Keo"],
        [],
        ["Sokha", "Dara", "Sreymom", "Vuthy", "Sophal", "Bopha", "Rithy", "Chantha"],
    ),
    "LA": (
        ["Bounmy", "Souksavanh", "Vilayvanh", "Khamphay", "Phonesavanh", "Viengkham", "Somphone"],
        [],
        ["Phommachanh", "Keola", "Sayavong", "Sisavath", "Vongphachanh", "Inthavong", "Luangrath"],
    ),
    "MM": (
        ["Daw", "U"],
        [],
        ["Thida Aung", "Kyaw Min", "Aung Aung", "Htet Htet Win", "Zaw Win", "Myo Min Thein"]
        + ["Khin Mar Lwin", "Nilar Oo", "Than Htike", "Ei Ei Phyo"],
    ),
    "BN": (
        ["Haji Mohd", "Dayang Nur", "Awang", "Pengiran Anak", "Dayangku"],
        [],
        ["Hamdan", "Aziz", "Salleh", "Rosli", "Jamaluddin", "Haziqah", "Amalina"],
    ),
    "JP": (
        ["Kenji", "Yuki", "Hiroshi", "Aiko", "Takeshi", "Naoko", "Daisuke", "Emi"],
        [],
        ["Sato", "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Nakamura"],
    ),
    "KR": (["Kim", "Lee", "Park", "Choi"], [], ["Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun"]),
    "AU": (["Sarah", "James", "Olivia", "Liam"], [], ["Mitchell", "Nguyen", "O’Brien", "Walker"]),
    "US": (["Emily", "Michael", "Grace"], [], ["Johnson", "Ramírez", "Chen"]),
    "CN": (["Wang", "Li", "Zhang"], [], ["Xiaoming", "Jing", "Wei"]),
    "IN": (["Priya", "Arjun", "Ananya"], [], ["Sharma", "Iyer", "Nair"]),
}
FAMILY_NAME_FIRST = {"VN", "SG", "KH", "KR", "CN"}

MINISTRIES = {
    "VN": "Bộ Xây dựng (Ministry of Construction)",
    "TH": "Ministry of Interior, Thailand",
    "ID": "Ministry of Public Works and Housing, Indonesia",
    "MY": "Ministry of Housing and Local Government, Malaysia",
    "PH": "Department of the Interior and Local Government, Philippines",
    "SG": "Ministry of National Development, Singapore",
    "KH": "Ministry of Land Management, Urban Planning and Construction, Cambodia",
    "LA": "Ministry of Public Works and Transport, Lao PDR",
    "MM": "Ministry of Construction, Myanmar",
    "BN": "Ministry of Development, Brunei Darussalam",
}
PARTNERS = {
    "JP": [
        "JASCA (Japan Association for Smart Cities in ASEAN)",
        "Ministry of Land, Infrastructure, Transport and Tourism, Japan",
        "JICA",
    ],
    "KR": ["Korea Land and Housing Corporation"],
    "AU": ["Department of Foreign Affairs and Trade, Australia"],
    "US": ["U.S.–ASEAN Smart Cities Partnership"],
    "CN": ["Ministry of Housing and Urban-Rural Development, China"],
    "IN": ["Ministry of Housing and Urban Affairs, India"],
}
PRESS = [
    ("VN", "VnExpress"),
    ("VN", "Thông tấn xã Việt Nam (VNA)"),
    ("VN", "VTV"),
    ("SG", "The Straits Times"),
    ("TH", "Bangkok Post"),
    ("ID", "The Jakarta Post"),
    ("MY", "The Star"),
    ("PH", "Philippine Daily Inquirer"),
]
JOBS = [
    "Director General",
    "Deputy Director",
    "Head of Division",
    "Senior Officer",
    "Urban Planner",
    "Smart City Programme Manager",
    "Chief Information Officer",
    "Adviser",
]
DIETS = ["", "", "", "", "", "Vegetarian", "Halal", "No pork", "Ăn chay", "Gluten-free"]

# (country, city delegates, government delegates)
DELEGATIONS = [
    ("VN", 38, 30),
    ("TH", 12, 10),
    ("ID", 12, 10),
    ("MY", 12, 10),
    ("PH", 12, 10),
    ("SG", 10, 10),
    ("KH", 9, 7),
    ("LA", 8, 6),
    ("MM", 9, 7),
    ("BN", 6, 6),
]
PARTNER_COUNTS = {"JP": 12, "KR": 5, "AU": 4, "US": 3, "CN": 3, "IN": 3}
ASEAN_SECRETARIAT = 10
OBSERVERS = 8
# The summit's in-person seats for the demo, a little fewer than those who want one: so there is a waiting list.
DEMO_CAPACITY = 240
# Registrations after this many come once the organisers have decided on the first ones.
LATE = 250


@dataclass
class Person:
    email: str
    full_name: str
    country: str
    category: Category
    organisation: str
    city: str
    language: str


def _name(rng: random.Random, country: str) -> str:
    first, middle, last = NAMES[country]
    if country == "VN":
        return f"{rng.choice(first)} {rng.choice(middle)} {rng.choice(last)}"
    if country == "MY" and rng.random() < 0.7:
        given = rng.choice(first)
        link = "binti" if given in ("Nurul", "Siti", "Farah", "Aisyah", "Syafiqah") else "bin"
        return f"{given} {link} {rng.choice(last)}"
    return f"{rng.choice(first)} {rng.choice(last)}"


def _people(rng: random.Random) -> list[Person]:
    people: list[Person] = []
    taken: set[str] = set()

    def add(country: str, category: Category, organisation: str, city: str = "") -> None:
        name = _name(rng, country)
        while name in taken:
            name = _name(rng, country)
        taken.add(name)
        local = "".join(ch for ch in fold(name) if ch.isalnum() or ch == " ").replace(" ", ".")
        people.append(
            Person(
                email=f"{local}.{len(people) + 1}@demo.ascn2020.example",
                full_name=name,
                country=country,
                category=category,
                organisation=organisation,
                city=city,
                language="vi" if country == "VN" else "en",
            )
        )

    for country, city_people, government_people in DELEGATIONS:
        cities = ASCN_CITIES[country]
        for number in range(city_people):
            city = cities[number % len(cities)]
            add(country, Category.CITY, f"{city} City", city)
        for _ in range(government_people):
            add(country, Category.GOVERNMENT, MINISTRIES[country], rng.choice(cities))
    for country, count in PARTNER_COUNTS.items():
        for _ in range(count):
            add(country, Category.PARTNER, rng.choice(PARTNERS[country]))
    for _ in range(ASEAN_SECRETARIAT):
        add(rng.choice(["ID", "ID", "MY", "PH", "TH"]), Category.ASEAN_SECRETARIAT, "ASEAN Secretariat", "Jakarta")
    for country, outlet in PRESS:
        add(country, Category.PRESS, outlet)
    for _ in range(OBSERVERS):
        add(rng.choice(["VN", "SG", "JP", "AU"]), Category.OBSERVER, "World Bank Group")
    return people


def load_demo_delegates() -> None:
    """Register the demo delegates for the summit, unless it already has its delegates; a second run does nothing."""
    event = db.session.scalar(select(Event).where(Event.slug == SUMMIT_SLUG))
    if event is None:
        return
    registered = db.session.scalar(select(func.count(Registration.id)).where(Registration.event_id == event.id))
    if registered >= LOADED_AT_LEAST:
        return
    if event.capacity is None or event.capacity > DEMO_CAPACITY:
        event.capacity = DEMO_CAPACITY
    rng = random.Random(SEED)  # noqa: S311 (the same demo on every machine; nothing secret)
    password_hash = generate_password_hash(DEMO_PASSWORD)  # once: hashing 300 times would take half a minute
    named = _register_accounts(event, rng)
    for registration in named:
        if registration.status is RegistrationStatus.PENDING:
            services.approve(registration, None)
    people = _people(rng)
    rng.shuffle(people)
    # The early ones are decided on; the late ones find the hall full and wait.
    early = [_register(event, _account(person, password_hash), person, rng) for person in people[:LATE]]
    _decide(early, rng)
    late = [_register(event, _account(person, password_hash), person, rng) for person in people[LATE:]]
    _sign_up_for_workshops(event, named + early + late, rng)


def _account(person: Person, password_hash: str) -> User:
    user = User(
        email=person.email,
        full_name=person.full_name,
        password_hash=password_hash,
        language=person.language,
        country=person.country,
        security_stamp=secrets.token_hex(16),
    )
    db.session.add(user)
    return user


def _register(event: Event, user: User, person: Person, rng: random.Random, attendance=None, **fixed) -> Registration:
    online = rng.random() < 0.1
    data = {
        "full_name": person.full_name,
        "category": person.category,
        "attendance": attendance or (Attendance.ONLINE if online else Attendance.IN_PERSON),
        "organisation": person.organisation,
        "job_title": rng.choice(JOBS) if person.category in (Category.GOVERNMENT, Category.CITY) else "",
        "country": person.country,
        "city": person.city,
        "dietary": rng.choice(DIETS),
        "accessibility": "Wheelchair access" if rng.random() < 0.02 else "",
        "consent_data_processing": True,
        "consent_lead_sharing": rng.random() < 0.6,
    }
    return services.register(event, user, data | fixed)


def _register_accounts(event: Event, rng: random.Random) -> list[Registration]:
    """The named demo accounts (core.demo) who are delegates get a registration too, so signing in shows one."""
    registrations = []
    for email, name, roles, country, _language, _zone in DEMO_ACCOUNTS:
        if roles - {Role.FOCAL_POINT}:  # staff accounts (admin, organiser, check-in) are not delegates
            continue
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None or services.registration_of(user, event) is not None:
            continue
        category = Category.ASEAN_SECRETARIAT if email.endswith("@asean.org") else Category.CITY
        city = ASCN_CITIES.get(country or "", [""])[0]
        organisation = "ASEAN Secretariat" if category is Category.ASEAN_SECRETARIAT else f"{city} City"
        person = Person(email, name, country or "ID", category, organisation, city, "en")
        # The named demo people meet exhibitors (the exhibition's demo leads): they share their details.
        registrations.append(
            _register(event, user, person, rng, attendance=Attendance.IN_PERSON, consent_lead_sharing=True)
        )
    return registrations


def _decide(registrations: list[Registration], rng: random.Random) -> None:
    """Most are approved; some rejected or cancelled (their seats go to the waiting list); the rest still pending."""
    for registration in registrations:
        if registration.status is not RegistrationStatus.PENDING:
            continue
        draw = rng.random()
        if draw < 0.78:
            services.approve(registration, None)
        elif draw < 0.81:
            services.reject(registration, None, "The delegation has reached its agreed size.")
        elif draw < 0.84:
            services.cancel(registration, None)


def _sign_up_for_workshops(event: Event, registrations: list[Registration], rng: random.Random) -> None:
    """Approved delegates in the room choose one of the five parallel workshops; the popular ones fill up."""
    workshops = db.session.scalars(
        select(ProgrammeSession)
        .where(ProgrammeSession.event_id == event.id, ProgrammeSession.kind == SessionKind.WORKSHOP)
        .order_by(ProgrammeSession.title)
    ).all()
    if not workshops:
        return
    # Digital infrastructure and smart transport draw the most.
    weights = [0.16, 0.28, 0.16, 0.1, 0.3][: len(workshops)]
    for registration in registrations:
        db.session.refresh(registration)
        if registration.status is not RegistrationStatus.APPROVED or registration.attendance is Attendance.ONLINE:
            continue
        if rng.random() < 0.12:
            continue  # not everyone chooses a workshop
        services.sign_up(rng.choices(workshops, weights)[0], registration)
