"""The JSON API, version 1: statistics (the dashboard's figures), files (scoped like the web pages, paginated,
filterable) and incubators. Every request carries `Authorization: Bearer <token>`; the token's owner is the
reader, with her role's scope. The OpenAPI document is generated from these views and schemas by flask-smorest
and served at /api/v1/openapi.json; `tests/test_api_schema.py` runs schemathesis against it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import g, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint, abort
from marshmallow import Schema, fields, validate

from jisr.applications.models import Application, Status
from jisr.authz import Permission, application_scope, can
from jisr.extensions import csrf, db
from jisr.incubators.models import Incubator
from jisr.programmes.models import Programme
from jisr.stats import queries
from jisr.stats.facts import DIMENSIONS, STAGES
from jisr.timeutil import aware

from . import tokens

bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="Statistics, files and incubators of the Jisr programme, for the token's owner.")
SECURITY = [{"bearer": []}]


class UtcDateTime(fields.DateTime):
    """Times are stored in UTC; SQLite hands them back without their zone, which this puts back (RFC 3339)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(aware(value), attr, obj, **kwargs)


class FileSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]))
    programme_id = fields.Integer(required=True)
    province_id = fields.Integer(allow_none=True, required=True)
    sector_id = fields.Integer(allow_none=True, required=True)
    incubator_id = fields.Integer(allow_none=True, required=True)
    submitted_at = UtcDateTime(allow_none=True, required=True)


class PageQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class FileQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    province_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    programme_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class IncubatorSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name_ar = fields.String(required=True)
    name_fr = fields.String(required=True)
    province_id = fields.Integer(allow_none=True, required=True)
    capacity = fields.Integer(required=True)
    active = fields.Boolean(required=True)


class PageSchema(Schema):
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Items matching, on every page."})


class FilePageSchema(PageSchema):
    items = fields.List(fields.Nested(FileSchema), required=True)


class IncubatorPageSchema(PageSchema):
    items = fields.List(fields.Nested(IncubatorSchema), required=True)


class StatisticsQuerySchema(Schema):
    programme_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    province_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    since = fields.Date(metadata={"description": "First day of the first month of files started, included."})
    until = fields.Date(metadata={"description": "First day of the last month of files started, included."})


class StatisticsSchema(Schema):
    programme_id = fields.Integer(required=True)
    funnel = fields.Dict(keys=fields.String(validate=validate.OneOf(STAGES)), values=fields.Integer(), required=True)
    breakdowns = fields.Dict(
        keys=fields.String(validate=validate.OneOf(DIMENSIONS)),
        values=fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer())),
        required=True)


@bp.before_request
def authenticate():
    user = tokens.user_for(request.headers.get("Authorization"))
    if user is None:
        abort(401, message="A valid API token is needed: Authorization: Bearer <token>.")
    g.api_user = user


def _page(query, args) -> dict:
    """One page and the count: two queries, whatever the page."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(args["page_size"]).offset((args["page"] - 1) * args["page_size"])).all()
    return {"page": args["page"], "page_size": args["page_size"], "total": total, "items": items}


@bp.route("/files")
class Files(MethodView):
    @bp.doc(security=SECURITY)
    @bp.arguments(FileQuerySchema, location="query")
    @bp.response(200, FilePageSchema)
    @bp.alt_response(401, description="No valid token.")
    def get(self, filters):
        """Files the token's owner may see, as on her pages; newest first."""
        query = sa.select(Application).where(application_scope(g.api_user))
        for name in ("status", "province_id", "programme_id"):
            if filters.get(name) is not None:
                query = query.where(getattr(Application, name) == filters[name])
        return _page(query.order_by(Application.id.desc()), filters)


@bp.route("/files/<int:file_id>")
class OneFile(MethodView):
    @bp.doc(security=SECURITY)
    @bp.response(200, FileSchema)
    @bp.alt_response(401, description="No valid token.")
    @bp.alt_response(404, description="No such file in the owner's scope.")
    def get(self, file_id):
        """One file of the owner's scope (another's is not found, whether or not it exists)."""
        found = db.session.scalar(sa.select(Application).where(application_scope(g.api_user),
                                                               Application.id == file_id))
        if found is None:
            abort(404, message="No such file.")
        return found


@bp.route("/incubators")
class Incubators(MethodView):
    @bp.doc(security=SECURITY)
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, IncubatorPageSchema)
    @bp.alt_response(401, description="No valid token.")
    def get(self, args):
        """The programme's incubators (their public details)."""
        return _page(sa.select(Incubator).order_by(Incubator.id), args)


@bp.route("/statistics")
class Statistics(MethodView):
    @bp.doc(security=SECURITY)
    @bp.arguments(StatisticsQuerySchema, location="query")
    @bp.response(200, StatisticsSchema)
    @bp.alt_response(401, description="No valid token.")
    @bp.alt_response(403, description="Only admins and coordinators read statistics.")
    @bp.alt_response(404, description="No such programme.")
    def get(self, args):
        """The dashboard's figures, within the owner's provinces: the funnel and each breakdown."""
        user = g.api_user
        if not can(user, Permission.COORDINATE):
            abort(403, message="Only admins and coordinators read statistics.")
        queries.fresh()
        programme_id = args.get("programme_id") or db.session.scalar(
            sa.select(Programme.id).order_by(Programme.opens_on.desc(), Programme.id).limit(1))
        if programme_id is None or db.session.get(Programme, programme_id) is None:
            abort(404, message="No such programme.")
        selection = queries.Selection(programme_id=programme_id, province_id=args.get("province_id"),
                                      since=_month(args.get("since")), until=_month(args.get("until")),
                                      readable=queries.reader_provinces(user))
        return {"programme_id": programme_id, "funnel": queries.funnel(user, selection),
                "breakdowns": {d: queries.breakdown(user, selection, d) for d in DIMENSIONS}}


def _month(day: date | None) -> date | None:
    return day.replace(day=1) if isinstance(day, date) else None


def init_app(app) -> None:
    app.config.setdefault("API_TITLE", "Jisr")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = Api(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    csrf.exempt(bp)
    api.register_blueprint(bp)
    app.extensions["jisr_api"] = api
