"""Incubators: the public directory, the manager's own incubator and its staff, admins' edits."""

from flask import Blueprint, abort

bp = Blueprint("incubators", __name__, url_prefix="/incubators")


# Placeholders so other features can link here while this one is built; each is replaced by the real page.
@bp.get("/")
def directory():
    abort(404)


@bp.get("/mine")
def manage():
    abort(404)


@bp.get("/admin/")
def admin_index():
    abort(404)
