"""The baseline of the check-in benchmark, registered only when BENCH_ENDPOINTS is true (bench/bench_checkin.py).

It goes through the same stack as POST /api/v1/checkin (gunicorn, Flask, bearer token and role check, body
schema, SQLAlchemy session, one commit) but does only one indexed select and one insert, so the ratio of the two
shows what the check-in's own work costs.
"""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint

from core.api import BEARER
from core.auth.access import require_role
from core.db import utcnow
from core.extensions import db
from registration.checkin import get_checkpoint
from registration.checkin_api import STAFF
from registration.checkin_models import Scan

blp = Blueprint("bench_api", __name__, description="Benchmark baseline (only with BENCH_ENDPOINTS=true)")


class BaselineSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(max=2000))
    checkpoint_id = ma.fields.Integer(required=True)


class BaselineAnswerSchema(ma.Schema):
    id = ma.fields.Integer()


@blp.route("/bench/baseline", methods=["POST"])
@blp.arguments(BaselineSchema)
@blp.response(200, BaselineAnswerSchema)
@blp.doc(security=BEARER)
@require_role(*STAFF)
def baseline(data):
    """One select by primary key and one insert, then commit."""
    checkpoint = get_checkpoint(data["checkpoint_id"])
    now = utcnow()
    scan = Scan(
        checkpoint_id=checkpoint.id,
        code=data["code"][:200],
        device_id="bench-baseline",
        user_id=current_user.id,
        scanned_at=now,
        received_at=now,
    )
    db.session.add(scan)
    db.session.flush()
    scan_id = scan.id  # read before the commit expires it, which would cost a select the check-in does not make
    db.session.commit()
    return {"id": scan_id}
