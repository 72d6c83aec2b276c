"""Schemathesis against the API's own OpenAPI document: every operation, with generated parameters, answers
without a server error, with a documented status code and a body matching its schema. Run as an admin (who
sees everything) over a database with files in several states. The operations are driven from inside one test
(schemathesis' lazy pytest fixture does not run under pytest 9.2), each with its own hypothesis run."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from jisr.api import tokens


def test_every_operation_conforms_to_its_document(app, db, make_user, make_workspace):
    from jisr.workspace import services

    ws = make_workspace(files=3)
    services.start_review(ws.files[0], ws.manager)
    services.accept(ws.files[0], ws.manager)
    _found, secret = tokens.create(make_user(role="admin"), "schemathesis")
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            # Uncompressed: the test transport does not inflate gzip as real clients do.
            case.call_and_validate(headers={"Authorization": f"Bearer {secret}", "Accept-Encoding": "identity"})

        check()
