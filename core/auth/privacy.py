"""A person's rights over their data: download everything we hold about them, and delete their account.

The kernel knows the account; each domain adds what it holds through core.signals (add_personal_data,
add_account_eraser), so the kernel imports no domain.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete
from werkzeug.security import check_password_hash

from core.auth.models import User
from core.db import utcnow
from core.errors import ValidationFailed
from core.extensions import db
from core.mail.models import OutboxMessage
from core.signals import account_erasers, personal_data_sources


def personal_data(user: User) -> dict:
    """Everything the summit holds about `user`, as JSON-ready data."""
    data = {
        "exported_at": utcnow().isoformat(),
        "account": {
            "id": user.id,
            "email": user.email,
            "full_name": user.full_name,
            "language": user.language,
            "timezone": user.timezone,
            "country": user.country,
            "roles": sorted(role.value for role in user.roles),
            "created_at": user.created_at.isoformat(),
            "api_tokens": [
                {
                    "name": token.name,
                    "created_at": token.created_at.isoformat(),
                    "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
                    "revoked": token.revoked_at is not None,
                }
                for token in user.tokens
            ],
        },
    }
    for name, collect in personal_data_sources(current_app):
        data[name] = collect(user)
    return data


def delete_account(user: User, password: str) -> None:
    """Delete the account after checking its password; domains anonymise what they keep (counts stay right).

    Raises ValidationFailed when the password is wrong.
    """
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationFailed(
            "validation_failed",
            _("Some fields are not valid."),
            fields={"password": [_("This is not your password.")]},
        )
    for erase in account_erasers(current_app):
        erase(user)
    # The outbox (sent or not) holds the person's name, address and what we wrote to them.
    db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.to_address == user.email).execution_options(synchronize_session=False)
    )
    db.session.delete(user)
    db.session.flush()
