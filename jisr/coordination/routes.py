"""Files of a coordinator's (or admin's) scope, their routing, the waitlist and eligibility overrides."""

from flask import Blueprint, abort

bp = Blueprint("coordination", __name__, url_prefix="/coordination")


@bp.get("/files/")
def files():  # placeholder, replaced by the real page
    abort(404)


@bp.get("/files/<int:application_id>")
def file(application_id: int):  # placeholder, replaced by the real page
    abort(404)
