"""Her page to agree to a programme's new consent text. While a newer text waits for her agreement, every page
she opens (GET) leads here first, except signing out, changing language and her data rights' pages (where she
can download her data or ask for erasure instead of agreeing)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField
from wtforms.validators import DataRequired

from jisr.auth.routes import safe_next
from jisr.authz import Permission, permission_required
from jisr.forms import FlaskForm

from . import consent

bp = Blueprint("consent", __name__, url_prefix="/consent")

#: Pages open to her before she agrees: this one, leaving, the static files and her data rights.
_OPEN = {"consent.renew", "auth.logout", "static", "main.healthz"}
_OPEN_BLUEPRINTS = {"rights", "consent"}


class RenewForm(FlaskForm):
    agree = BooleanField(_l("I have read the new text and I agree to the processing of my personal data."),
                         validators=[DataRequired(message=_l("Tick the box to agree to the new text."))])


@bp.before_app_request
def ask_first():
    if (request.method != "GET" or not current_user.is_authenticated
            or not getattr(current_user, "consent_due", False)):
        return None
    if request.endpoint in _OPEN or request.blueprint in _OPEN_BLUEPRINTS or request.endpoint is None:
        return None
    return redirect(url_for("consent.renew", next=request.full_path.rstrip("?")))


@bp.route("/", methods=["GET", "POST"])
@permission_required(Permission.APPLY)
def renew():
    target = safe_next(request.args.get("next"))
    found = consent.pending(current_user)
    if not found:
        current_user.consent_due = False
        return redirect(target or url_for("main.dashboard"))
    form = RenewForm()
    if form.validate_on_submit():
        consent.agree(current_user, get_locale().language)
        flash(_("Thank you: your agreement to the new text is recorded."), "success")
        return redirect(target or url_for("main.dashboard"))
    texts: dict[int, tuple] = {}
    for application, text in found:
        texts.setdefault(text.id, (text, []))[1].append(application)
    return render_template("consent/renew.html", form=form, texts=list(texts.values()),
                           target=target), 422 if form.errors else 200
