"""Two files made eligible at the same moment never both take an incubator's last place. Proven on
PostgreSQL, with concurrent transactions in threads (SQLite has a single writer: CI's PostgreSQL pass runs it)."""

import threading
import time

import sqlalchemy as sa

from jisr.applications.models import Application, Status
from jisr.routing import services as routing


def _route_concurrently(make_app, db, application_ids, hold: float):
    """Route each file in its own thread and transaction, all starting together; each transaction stays
    open `hold` seconds after deciding, so without a lock they would all count the same load."""
    app = make_app()
    errors = []
    barrier = threading.Barrier(len(application_ids))

    def worker(application_id):
        try:
            with app.app_context():
                application = db.session.get(Application, application_id)
                barrier.wait(timeout=10)
                routing.route(application)
                time.sleep(hold)
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in application_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_concurrent_routings_never_exceed_the_last_places(postgresql_only, make_app, db, make_incubator, make_file):
    incubator = make_incubator(capacity=2)
    files = [make_file().id for _ in range(6)]
    _route_concurrently(make_app, db, files, hold=0.3)
    db.session.expire_all()
    statuses = db.session.execute(sa.select(Application.status, sa.func.count()).where(Application.id.in_(files))
                                  .group_by(Application.status)).all()
    assert dict(statuses) == {Status.ASSIGNED: 2, Status.WAITLISTED: 4}
    assert routing.loads([incubator.id]) == {incubator.id: 2}


def test_routings_in_different_areas_do_not_wait_for_each_other(postgresql_only, make_app, db, make_incubator,
                                                                 make_file):
    """The lock is the area's incubators, not a global one: two provinces route side by side."""
    make_incubator(provinces=["errachidia"], capacity=1)
    make_incubator(provinces=["zagora"], capacity=1)
    files = [make_file(province_code="errachidia").id, make_file(province_code="zagora").id]
    started = time.monotonic()
    _route_concurrently(make_app, db, files, hold=1.0)
    assert time.monotonic() - started < 1.9  # serialised, they would take two holds
    db.session.expire_all()
    assert {db.session.get(Application, i).status for i in files} == {Status.ASSIGNED}
