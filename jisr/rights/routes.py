"""The applicant's data rights: a page that says what is held, the download of all of it, and her request for
erasure; the admins' list of requests and their decisions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Optional

from jisr.audit.services import record
from jisr.auth.models import User
from jisr.authz import Permission, permission_required
from jisr.extensions import db
from jisr.forms import FlaskForm
from jisr.timeutil import utcnow
from jisr.validators import Length, SafeText, strip_filter

from . import erasure, export
from .models import ErasureRequest

bp = Blueprint("rights", __name__, url_prefix="/account/data")


@bp.get("/")
@permission_required(Permission.APPLY)
def index():
    return _render()


@bp.get("/export.zip")
@permission_required(Permission.APPLY)
def download():
    record("rights.data_downloaded", current_user._get_current_object())
    return send_file(export.zip_of(current_user), as_attachment=True, mimetype="application/zip", max_age=0,
                     download_name=f"jisr-my-data-{utcnow():%Y%m%d}.zip")


class ErasureForm(FlaskForm):
    confirm = BooleanField(_l("I understand that my files and my account will be closed for good"),
                           validators=[DataRequired(_l("Tick the box to confirm that you ask for the erasure."))])


def _render(form=None, status: int = 200):
    return render_template("rights/index.html", form=form or ErasureForm(formdata=None),
                           pending=erasure.pending_request(current_user)), status


@bp.post("/erasure")
@permission_required(Permission.APPLY)
def ask_erasure():
    form = ErasureForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    try:
        erasure.request_erasure(current_user._get_current_object())
    except erasure.ErasureError as error:
        flash(str(error), "info")
    else:
        flash(_("Your request has been sent. An administrator decides on it; you will be told."), "success")
    return redirect(url_for(".index"), 303)


# -- the admins' side ------------------------------------------------------------------------------------------

admin_bp = Blueprint("erasure_admin", __name__, url_prefix="/admin/erasure")


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Reason, if you refuse (she reads it)"), filters=[strip_filter],
                         validators=[Optional(), Length(max=1000), SafeText()])


@admin_bp.get("/")
@permission_required(Permission.ADMINISTER)
def requests():
    found = db.session.execute(
        sa.select(ErasureRequest, User.full_name).join(User, User.id == ErasureRequest.user_id)
        .order_by(ErasureRequest.state != "pending", ErasureRequest.requested_at.desc()).limit(100)).all()
    return render_template("rights/requests.html", requests=found, form=DecisionForm(formdata=None))


@admin_bp.post("/<int:request_id>/<any(approve, refuse):decision>")
@permission_required(Permission.ADMINISTER)
def decide(request_id: int, decision: str):
    found = db.session.get(ErasureRequest, request_id) or abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    if decision == "refuse" and not form.note.data:
        flash(_("Give her the reason why her request is refused."), "error")
        return redirect(url_for(".requests"), 303)
    try:
        erasure.decide(found, current_user._get_current_object(), decision == "approve", form.note.data)
    except erasure.ErasureError as error:
        flash(str(error), "info")
    else:
        flash(_("Her data has been erased and she has been told.") if decision == "approve"
              else _("The request has been refused and she has been told why."), "success")
    return redirect(url_for(".requests"), 303)
