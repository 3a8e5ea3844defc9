"""`flask users create` and `flask demo load`, as an operator runs them."""

from __future__ import annotations

from sqlalchemy import func, select

from core.auth.models import Role, User
from core.auth.services import authenticate, find_user_by_email
from core.extensions import db
from events.models import Event

ASEAN_MEMBER_STATES = {"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"}


def test_users_create_makes_an_account_with_its_roles(cli):
    result = cli.invoke(
        args=[
            "users",
            "create",
            "Trung@Hanoi.gov.vn",
            "--password",
            "mật khẩu dài",
            "--role",
            "organiser",
            "--name",
            "Nguyễn Tường Văn",
            "--country",
            "VN",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "trung@hanoi.gov.vn" in result.output

    user = find_user_by_email("trung@hanoi.gov.vn")
    assert user.full_name == "Nguyễn Tường Văn"
    assert user.roles == {Role.ORGANISER, Role.DELEGATE}
    assert user.country == "VN"
    assert authenticate("trung@hanoi.gov.vn", "mật khẩu dài") == user


def test_users_create_takes_several_roles(cli):
    result = cli.invoke(
        args=[
            "users",
            "create",
            "ha@hanoi.gov.vn",
            "--password",
            "long enough",
            "--role",
            "checkin",
            "--role",
            "exhibitor",
        ]
    )
    assert result.exit_code == 0, result.output
    assert find_user_by_email("ha@hanoi.gov.vn").roles == {Role.CHECKIN, Role.EXHIBITOR, Role.DELEGATE}


def test_users_create_refuses_a_taken_email(cli):
    args = ["users", "create", "trung@hanoi.gov.vn", "--password", "long enough", "--name", "First"]
    assert cli.invoke(args=args).exit_code == 0

    again = cli.invoke(args=["users", "create", "TRUNG@hanoi.gov.vn", "--password", "other password", "--name", "Two"])
    assert again.exit_code != 0
    assert "email_taken" in again.output
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert find_user_by_email("trung@hanoi.gov.vn").full_name == "First"


def test_users_create_refuses_a_short_password_and_says_why(cli):
    result = cli.invoke(args=["users", "create", "trung@hanoi.gov.vn", "--password", "short"])
    assert result.exit_code != 0
    assert "password" in result.output
    assert "at least 8 characters" in result.output
    assert find_user_by_email("trung@hanoi.gov.vn") is None


def test_users_create_refuses_a_focal_point_without_a_country(cli):
    result = cli.invoke(
        args=["users", "create", "sokha@phnompenh.gov.kh", "--password", "long enough", "--role", "focal_point"]
    )
    assert result.exit_code != 0
    assert "country" in result.output
    assert find_user_by_email("sokha@phnompenh.gov.kh") is None

    result = cli.invoke(
        args=[
            "users",
            "create",
            "sokha@phnompenh.gov.kh",
            "--password",
            "long enough",
            "--role",
            "focal_point",
            "--country",
            "KH",
        ]
    )
    assert result.exit_code == 0, result.output
    assert find_user_by_email("sokha@phnompenh.gov.kh").country == "KH"


def test_users_create_refuses_an_unknown_role(cli):
    result = cli.invoke(args=["users", "create", "x@hanoi.gov.vn", "--password", "long enough", "--role", "superuser"])
    assert result.exit_code != 0
    assert find_user_by_email("x@hanoi.gov.vn") is None


def counts() -> tuple[int, int]:
    db.session.expire_all()
    return db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Event.id)))


def test_demo_load_is_idempotent(cli):
    first = cli.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    after_first = counts()
    users, events = after_first
    assert users > 0
    assert events > 0

    second = cli.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert counts() == after_first


def test_demo_load_brings_delegates_of_the_ten_member_states_and_an_organiser(cli):
    assert cli.invoke(args=["demo", "load"]).exit_code == 0
    users = db.session.scalars(select(User)).all()

    delegates_countries = {user.country for user in users if Role.DELEGATE in user.roles}
    assert delegates_countries >= ASEAN_MEMBER_STATES
    assert any(Role.ORGANISER in user.roles for user in users)
    assert any(user.full_name == "Nguyễn Tường Văn" for user in users)
