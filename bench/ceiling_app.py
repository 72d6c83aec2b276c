"""The ceiling of bench/national.py: a bare Flask + Flask-SQLAlchemy app with one page rendering 50 rows of the
applications table (with the applicant's name from her profile, as a list page would) through a Jinja
template, on the same database as Jisr and served by gunicorn the same way (`bench.ceiling_app:app`). No
session, no translations, no CSRF, no authorization, no compression: what Flask, SQLAlchemy, Jinja and the
database cost at the least for a page of rows, so that each Jisr page's requests per second read as a share of it.

    JISR_DATABASE_URL=… gunicorn --workers 4 bench.ceiling_app:app     # then GET /?incubator=<id>
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader

TEMPLATE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>
<table><thead><tr><th>Référence</th><th>Nom</th><th>État</th><th>Envoyé le</th></tr></thead><tbody>
{% for row in rows %}<tr><td><a href="/files/{{ row.id }}">{{ row.reference or "—" }}</a></td>
<td>{{ row.first_name_latin }} {{ row.last_name_latin }}</td><td>{{ row.status }}</td>
<td>{{ row.submitted_at.strftime("%d/%m/%Y") if row.submitted_at else "" }}</td></tr>
{% endfor %}</tbody></table></body></html>
"""

db = SQLAlchemy()
applications = sa.table("applications", sa.column("id"), sa.column("reference"), sa.column("status"),
                        sa.column("submitted_at", sa.DateTime(timezone=True)), sa.column("incubator_id"),
                        sa.column("applicant_id"), sa.column("status_changed_at"))
profiles = sa.table("applicant_profiles", sa.column("user_id"), sa.column("first_name_latin"),
                    sa.column("last_name_latin"))


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ.get("JISR_DATABASE_URL")
    if not url:
        raise RuntimeError("Set JISR_DATABASE_URL to the database of bench/national.py.")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    # The same engine options as Jisr's (jisr/config.py): the ceiling must not win on its connections.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = ({"connect_args": {"timeout": 30}} if url.startswith("sqlite")
                                              else {"pool_pre_ping": True})
    app.jinja_loader = DictLoader({"rows.html": TEMPLATE})
    db.init_app(app)

    @app.get("/")
    def rows():
        incubator = request.args.get("incubator", type=int)
        query = (sa.select(applications.c.id, applications.c.reference, applications.c.status,
                           applications.c.submitted_at, profiles.c.first_name_latin, profiles.c.last_name_latin)
                 .join(profiles, profiles.c.user_id == applications.c.applicant_id)
                 .order_by(applications.c.status_changed_at.desc()).limit(50))
        if incubator is not None:
            query = query.where(applications.c.incubator_id == incubator)
        return render_template("rows.html", title="Dossiers", rows=db.session.execute(query).all())

    @app.get("/healthz")
    def healthz():
        db.session.execute(sa.text("SELECT 1"))
        return jsonify(status="ok")

    return app


app = create_app()
