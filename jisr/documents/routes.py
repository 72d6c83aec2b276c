"""Placeholder replaced by the documents work (upload step, download)."""

from flask import Blueprint

bp = Blueprint("documents", __name__)


@bp.route("/applications/<int:application_id>/documents", methods=["GET", "POST"])
def step(application_id: int):
    return "documents"
