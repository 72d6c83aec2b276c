"""Her own API tokens: the list, a new one (shown once), and revocation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import DataRequired

from jisr.forms import CsrfForm, FlaskForm
from jisr.validators import Length, SafeText, strip_filter

from . import tokens

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), filters=[strip_filter],
                       validators=[DataRequired(), Length(max=100), SafeText()])


def _render(form=None, new_token=None, status: int = 200):
    return render_template("api/tokens.html", form=form or TokenForm(formdata=None), new_token=new_token,
                           tokens=tokens.mine(current_user)), status


@bp.get("/")
@login_required
def index():
    return _render()


@bp.post("/")
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    _token, secret = tokens.create(current_user._get_current_object(), form.name.data)
    # Shown on this response only, never stored: the page is not cached.
    response = _render(new_token=secret)
    return response[0], 201, {"Cache-Control": "no-store"}


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    CsrfForm().validate_on_submit() or abort(400)
    if not tokens.revoke(current_user._get_current_object(), token_id):
        abort(404)
    flash(_("The token has been revoked: it no longer works."), "success")
    return redirect(url_for(".index"), 303)
