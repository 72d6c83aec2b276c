"""Selection of associations: reviewers assigned by admins, conflicts of interest, scores, the ranking
and the decision that makes an association an incubator."""

from flask import Blueprint, abort

bp = Blueprint("selection", __name__, url_prefix="/selection")


# Placeholders so other features can link here while this one is built; each is replaced by the real page.
@bp.get("/calls/<int:call_id>")
def call(call_id: int):
    abort(404)


@bp.get("/associations/<int:association_id>")
def association(association_id: int):
    abort(404)


@bp.get("/reviews/")
def my_reviews():
    abort(404)
