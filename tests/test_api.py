"""The JSON API: tokens created, shown once, stored hashed and revoked by their owner; every answer scoped like
the web pages (a coordinator's files and figures are her provinces', a manager's her incubator's); no token, a
wrong or revoked token or a deactivated owner: 401 in JSON."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from jisr.api import tokens
from jisr.api.models import ApiToken


def token_for(db, user) -> str:
    _found, secret = tokens.create(user, "test")
    db.session.commit()
    return secret


def get(client, path: str, secret: str | None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return client.get(path, headers=headers)


def test_she_creates_a_token_sees_it_once_and_revokes_it(client, auth, db, make_user):
    user = make_user(role="coordinator")
    auth.login_as(user)
    response = client.post("/account/tokens/", data={"name": "Tableau du ministère"})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code class="token"><bdi dir="ltr">([^<]+)</bdi></code>',
                       response.get_data(as_text=True)).group(1)
    stored = db.session.scalar(sa.select(ApiToken))
    assert secret not in (stored.token_hash, stored.prefix) and secret.startswith(stored.prefix)
    assert secret not in client.get("/account/tokens/").get_data(as_text=True)
    auth.logout()
    assert get(client, "/api/v1/incubators", secret).status_code == 200
    auth.login_as(user)
    assert client.post(f"/account/tokens/{stored.id}/revoke").status_code == 303
    assert get(client, "/api/v1/incubators", secret).status_code == 401
    other = make_user(role="coordinator")
    auth.login_as(other)
    assert client.post(f"/account/tokens/{stored.id}/revoke").status_code == 404  # not hers


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer jisr_" + "x" * 43, "Basic abc"])
def test_no_valid_token_gets_401_in_json(client, header):
    response = client.get("/api/v1/files", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.is_json and response.json["code"] == 401


def test_a_deactivated_owner_token_stops_working(client, db, make_user):
    user = make_user(role="admin")
    secret = token_for(db, user)
    user.active = False
    db.session.commit()
    assert get(client, "/api/v1/incubators", secret).status_code == 401


def test_files_are_scoped_like_the_pages(client, db, make_user, make_workspace, make_file, province):
    from jisr.routing import services as routing

    ws = make_workspace(files=2)
    midelt = make_file(province_code="midelt")
    routing.route(midelt)
    db.session.commit()
    coordinator = make_user(role="coordinator", provinces=[province("errachidia")])
    mine = {f["id"] for f in get(client, "/api/v1/files?page_size=200", token_for(db, coordinator)).json["items"]}
    assert mine == {f.id for f in ws.files}
    manager_files = get(client, "/api/v1/files?page_size=1&page=2", token_for(db, ws.manager)).json
    assert manager_files["total"] == 2 and [f["id"] for f in manager_files["items"]] == [min(f.id for f in ws.files)]
    assert get(client, f"/api/v1/files/{midelt.id}", token_for(db, ws.manager)).status_code == 404
    applicant = ws.files[0].applicant
    assert [f["id"] for f in get(client, "/api/v1/files", token_for(db, applicant)).json["items"]] == [ws.files[0].id]
    assert get(client, "/api/v1/files?status=nonsense", token_for(db, coordinator)).status_code == 422


def test_statistics_for_admins_and_coordinators_within_their_provinces(client, db, make_user, make_workspace,
                                                                      make_file, province):
    from jisr.routing import services as routing

    make_workspace(files=2)
    routing.route(make_file(province_code="midelt"))
    db.session.commit()
    admin = get(client, "/api/v1/statistics", token_for(db, make_user(role="admin")))
    assert admin.status_code == 200 and admin.json["funnel"]["submitted"] == 3
    coordinator = make_user(role="coordinator", provinces=[province("errachidia")])
    assert get(client, "/api/v1/statistics", token_for(db, coordinator)).json["funnel"]["submitted"] == 2
    manager = make_user(role="mentor", incubator_id=None)
    assert get(client, "/api/v1/statistics", token_for(db, manager)).status_code == 403
    assert get(client, "/api/v1/statistics?programme_id=99999", token_for(db, make_user(role="admin"))
               ).status_code == 404


def test_the_openapi_document_is_generated_and_names_its_security(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.") and spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert set(spec["paths"]) == {"/api/v1/files", "/api/v1/files/{file_id}", "/api/v1/incubators",
                                  "/api/v1/statistics"}


def test_identifiers_beyond_the_database_integer_are_not_found(client, auth, db, make_user, make_incubator):
    """Found by schemathesis on PostgreSQL: a huge id in a URL was a 500 (integer out of range), in every route."""
    admin = make_user(role="admin")
    assert get(client, "/api/v1/files/55350051868", token_for(db, admin)).status_code == 404
    auth.login_as(make_user(role="incubator_manager", incubator_id=make_incubator().id))
    assert client.get("/workspace/files/55350051868").status_code == 404
    auth.login_as(admin)
    assert client.get("/admin/users/55350051868").status_code == 404
