"""Calls for expressions of interest: read by anyone, answered by associations' representatives,
opened and edited by admins."""

from flask import Blueprint, abort

bp = Blueprint("calls", __name__, url_prefix="/calls")


# Placeholders so other features can link here while this one is built; each is replaced by the real page.
@bp.get("/")
def index():
    abort(404)


@bp.get("/<int:call_id>")
def show(call_id: int):
    abort(404)


@bp.get("/mine")
def mine():
    abort(404)


@bp.get("/admin/")
def admin_index():
    abort(404)


@bp.get("/admin/<int:call_id>/edit")
def admin_edit(call_id: int):
    abort(404)
