"""Property-based tests (hypothesis): whatever a scanner or a spreadsheet sends, the answer is a verdict or a clear
error, never a crash; and what we write, we read back."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from core.extensions import db
from registration.badge_codes import CODE_LENGTH, BadCode, make_code, read_code
from registration.models import Registration
from registration.sheet_import import import_registrations

# Each example runs inside the test's app context, so the function-scoped fixtures are fine to share.
SHARED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
IDS = st.integers(min_value=0, max_value=2**32 - 1)


@SHARED
@given(event_id=IDS, registration_id=IDS, version=st.integers(min_value=0, max_value=2**16 - 1))
def test_every_code_we_sign_reads_back(app, event_id, registration_id, version):
    code = make_code(event_id, registration_id, version)
    assert len(code) == CODE_LENGTH <= 120
    claim = read_code(code)
    assert (claim.event_id, claim.registration_id, claim.version) == (event_id, registration_id, version)


@SHARED
@given(text=st.text(max_size=300))
def test_any_text_is_refused_cleanly(app, text):
    with pytest.raises(BadCode):
        read_code(text)


@SHARED
@given(data=st.data())
def test_a_changed_code_is_refused(app, data):
    code = make_code(7, 42, 1)
    index = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    replacement = data.draw(st.characters(codec="ascii").filter(lambda ch: ch != code[index]))
    with pytest.raises(BadCode):
        read_code(code[:index] + replacement + code[index + 1 :])


@pytest.fixture
def organiser(make_user):
    return make_user("organiser@ascn.org", roles=["organiser"])


@SHARED
@given(raw=st.binary(max_size=2000))
def test_any_bytes_as_a_spreadsheet_are_refused_or_imported_never_a_crash(app, organiser, make_event, raw):
    event = make_event()
    error = _import(event, organiser, raw)
    db.session.rollback()
    if error is not None:
        assert error.status in (409, 413, 422)
        assert error.message


CELL = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(CELL, CELL, CELL, CELL, st.sampled_from(["yes", "no", "", "maybe", "có"])), max_size=6))
def test_any_cells_give_row_errors_or_a_full_import(app, organiser, make_event, rows):
    event = make_event()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "full_name", "country", "category", "consent_data_processing"])
    writer.writerows(rows)
    before = db.session.query(Registration).count()
    error = _import(event, organiser, out.getvalue().encode())
    if error is None:
        assert db.session.query(Registration).count() == before + len(rows)
    else:
        db.session.rollback()
        assert error.status in (413, 422)
        assert db.session.query(Registration).count() == before  # all or nothing
        for problem in error.rows or []:
            assert 1 <= problem["row"] <= len(rows) + 1
            assert problem["fields"]
    db.session.rollback()


def _import(event, actor, data: bytes) -> DomainError | None:
    """The import's refusal, or None when it imported."""
    try:
        import_registrations(event, actor, data)
    except DomainError as exc:
        return exc
    return None
