"""Accepting an invitation to a staff account: the invitee's contact, the single-use code she received
and her own password open her account with the role and scope the invitation fixed."""

from flask import Blueprint, abort

bp = Blueprint("invitations", __name__, url_prefix="/account/invitation")


@bp.get("/")
def accept():  # placeholder, replaced by the real page
    abort(404)
