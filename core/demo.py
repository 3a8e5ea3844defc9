"""The people of the ASCN 2020 demo summit: an organiser, staff, and delegates of the ten member states."""

from __future__ import annotations

from core.auth.models import Role
from core.auth.services import create_user, find_user_by_email

# Published in the README and printed by `make run`: demo accounts only, never for a real summit.
DEMO_PASSWORD = "ascn-demo-2020"  # noqa: S105
ORGANISER_EMAIL = "organiser@ascn2020.gov.vn"

# (e-mail, full name, roles, country, language, time zone)
DEMO_ACCOUNTS = [
    ("admin@ascn2020.gov.vn", "Quản trị hệ thống", {Role.ADMIN}, "VN", "vi", "Asia/Ho_Chi_Minh"),
    (ORGANISER_EMAIL, "Lê Hoàng Trung", {Role.ORGANISER}, "VN", "vi", "Asia/Ho_Chi_Minh"),
    ("checkin@ascn2020.gov.vn", "Phạm Thu Hà", {Role.CHECKIN}, "VN", "vi", "Asia/Ho_Chi_Minh"),
    ("focal.vn@ascn2020.gov.vn", "Nguyễn Tường Văn", {Role.FOCAL_POINT}, "VN", "vi", "Asia/Ho_Chi_Minh"),
    ("siti.nurhaliza@bsb.gov.bn", "Siti Nurhaliza binti Haji Ahmad", set(), "BN", "en", "Asia/Brunei"),
    ("sokha.chan@phnompenh.gov.kh", "Chan Sokha", {Role.FOCAL_POINT}, "KH", "en", "Asia/Phnom_Penh"),
    ("dewi.lestari@jakarta.go.id", "Dewi Lestari Wulandari", set(), "ID", "en", "Asia/Jakarta"),
    ("bounmy.phommachanh@vientiane.gov.la", "Bounmy Phommachanh", set(), "LA", "en", "Asia/Vientiane"),
    ("ahmad.faizal@dbkl.gov.my", "Ahmad Faizal bin Abdullah", set(), "MY", "en", "Asia/Kuala_Lumpur"),
    ("thida.aung@yangon.gov.mm", "Daw Thida Aung", set(), "MM", "en", "Asia/Yangon"),
    ("maria.santos@cebucity.gov.ph", "María Cristina Santos", set(), "PH", "en", "Asia/Manila"),
    ("tan.weiming@ura.gov.sg", "Tan Wei Ming", set(), "SG", "en", "Asia/Singapore"),
    ("somchai.wongsawat@bangkok.go.th", "Somchai Wongsawat", set(), "TH", "en", "Asia/Bangkok"),
    ("tran.thi.thu@danang.gov.vn", "Trần Thị Thu Thủy", set(), "VN", "vi", "Asia/Ho_Chi_Minh"),
    ("lim.jockhoi@asean.org", "Dato Lim Jock Hoi", set(), None, "en", "Asia/Jakarta"),
]


def load_demo_accounts() -> None:
    """Create the demo accounts that do not exist yet; never touch an existing one."""
    for email, name, roles, country, language, timezone in DEMO_ACCOUNTS:
        if find_user_by_email(email) is None:
            create_user(email, DEMO_PASSWORD, name, roles=roles, country=country, language=language, timezone=timezone)
