"""Accepting an invitation to a staff account: the invitee's contact, the single-use code she received
and her own password open her account with the role and scope the invitation fixed."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from jisr.auth import invitations
from jisr.auth.forms import ResetConfirmForm
from jisr.auth.passwords import check_password
from jisr.auth.services import AccountError, InvalidCode
from jisr.auth.signin import start_session
from jisr.extensions import db, limiter
from jisr.i18n import is_language_switch
from jisr.ratelimits import GUESS_LIMIT

bp = Blueprint("invitations", __name__, url_prefix="/account/invitation")


class AcceptForm(ResetConfirmForm):
    """The same fields and rules as choosing a new password with a code: contact, code, password twice."""


def _render(form, status: int = 200):
    return render_template("auth/invitation.html", form=form), status


def _add_error(form, error: AccountError) -> None:
    field = getattr(form, error.field or "", None) or form.identifier
    field.errors = [*field.errors, str(error)]


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(GUESS_LIMIT, methods=["POST"])
def accept():
    form = AcceptForm()
    if is_language_switch():  # the form shown again in the other language, nothing checked or counted
        return _render(form)
    if not form.validate_on_submit():
        return _render(form, 422 if request.method == "POST" else 200)
    try:
        invitation = invitations.check_code(form.identifier.data, form.code.data)
    except InvalidCode as error:
        # The only commit outside the request handler: a wrong guess must count although the request
        # fails (422 rolls back). Nothing else was changed in this request.
        db.session.commit()
        _add_error(form, error)
        return _render(form, 422)
    try:
        check_password(form.password.data, phone=invitation.phone, email=invitation.email)
    except ValueError as error:  # WTForms' ValidationError; the attempt is rolled back with the request
        form.password.errors = [str(error)]
        return _render(form, 422)
    try:
        user = invitations.accept(invitation, form.password.data)
    except AccountError as error:
        _add_error(form, error)
        return _render(form, 422)
    start_session(user)  # whoever was signed in on this device, the new account is the one now
    flash(_("Welcome %(name)s! Your account is open and you are signed in.", name=user.full_name), "success")
    return redirect(url_for("main.dashboard"), 303)
