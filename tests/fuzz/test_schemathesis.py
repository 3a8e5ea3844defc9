"""schemathesis against /api/v1/openapi.json, through the WSGI app (no server), with an organiser's bearer token.

Every operation of the document gets valid requests (positive) and requests that break the document (negative),
generated from it. No answer may be a 5xx; every answer must have a documented status, content type and headers and
a body that matches its schema; a request that breaks the document must be refused with a 4xx. The ids in paths are
mostly those of real objects (tests/security/world.py), so that the calls reach the code behind them instead of
stopping at a 404.

Sized for CI: MAX_EXAMPLES per operation and mode (15: about 40 s on SQLite and 55 s on PostgreSQL on the 2-core
machine; 40 ran green in about 4 minutes), derandomized (the same examples every run, so a failure is not luck and a
green run stays green). pytest-style `schema.parametrize()` is not used: its lazy loading breaks on
pytest 9 (`Function` has no `_nodeid`); each operation is driven through Hypothesis here instead.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.db import MAX_INTEGER
from tests.security.world import World, build_world

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
FUZZING = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the report shows the first failing request as sent
)


def with_real_ids(case, world: World) -> None:
    """Point a valid id in the path at a real object; an invalid one (negative mode) is left for the 4xx."""
    for name, value in list((case.path_parameters or {}).items()):
        if name in world.ids and isinstance(value, int) and 1 <= value <= MAX_INTEGER:
            case.path_parameters[name] = world.ids[name]


def fuzz(operation, mode: GenerationMode, world: World) -> str | None:
    """Run the operation's examples in one mode; the failure schemathesis reports, or None."""

    @FUZZING
    @given(case=operation.as_strategy(generation_mode=mode))
    def examples(case):
        with_real_ids(case, world)
        # A token of its own for each call: DELETE /auth/token revokes the one it is sent with.
        case.call_and_validate(headers=world.bearer("organiser", "token"), checks=CHECKS)

    try:
        examples()
    except Unsatisfiable:
        return None  # nothing of the operation can be made invalid: no parameters and no body
    except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 (every failure goes into one report)
        return f"{operation.label} [{mode.value}]:\n{failure}"
    return None


def test_no_answer_is_a_5xx_and_every_answer_keeps_to_the_document(app):
    world = build_world()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The organiser's token is sent with every call; schemathesis is not to make up or drop an Authorization header.
    schema.config.generation.update(with_security_parameters=False)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := fuzz(operation, mode, world)) is not None
    ]
    assert not failures, "\n\n".join(failures)
