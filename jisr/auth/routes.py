"""Accounts: register, sign in and out, reset a forgotten password. Thin routes: validate the
form, call a service, flash, redirect. Invalid forms come back with status 422."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from jisr.auth import services
from jisr.auth.forms import LoginForm, RegisterForm, ResetConfirmForm, ResetRequestForm
from jisr.auth.passwords import check_password
from jisr.auth.signin import end_session, start_session
from jisr.extensions import db, limiter
from jisr.ratelimits import GUESS_LIMIT, REGISTER_LIMIT

bp = Blueprint("auth", __name__, url_prefix="/account")


def _render(template: str, form, **context):
    return render_template(template, form=form, **context), 422 if request.method == "POST" else 200


def _add_error(form, error: services.AccountError) -> None:
    field = getattr(form, error.field or "", None) or next(iter(form))
    field.errors = [*field.errors, str(error)]


def safe_next(target: str | None) -> str | None:
    """A path on this site, or None: an unchecked `next` is an open redirect. Backslashes and
    control characters are refused too, since browsers read '/\\evil.example' as '//evil.example'."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.netloc or parts.scheme:
        return None
    return target


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register(form.full_name.data, form.password.data,
                                     phone=form.phone.data or None, email=form.email.data or None)
        except services.AccountError as error:
            _add_error(form, error)
        else:
            start_session(user)
            flash(_("Welcome %(name)s! Your account is ready.", name=user.full_name), "success")
            return redirect(url_for("main.dashboard"))
    return _render("auth/register.html", form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(GUESS_LIMIT, methods=["POST"])
def login():
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.identifier.data, form.password.data)
        except services.SignInPaused as error:
            _add_error(form, error)
            return _render("auth/login.html", form)
        if user is not None:
            start_session(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            return redirect(target or url_for("main.dashboard"))
        # The failure counts towards a pause on this contact although the request fails (422 rolls back);
        # nothing else was changed in this request.
        db.session.commit()
        # One message whatever went wrong: it must not tell whether an account exists.
        form.password.errors = [_("The phone number, e-mail address or password is not right. "
                                  "Check them and try again.")]
    return _render("auth/login.html", form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.logout(current_user._get_current_object())
        end_session()
        flash(_("You are signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(GUESS_LIMIT, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_reset(form.identifier.data)
        # Kept in the session, not the URL: an address bar or a log must not show the phone number.
        session["reset_identifier"] = form.identifier.data
        flash(_("If an account uses this phone number or e-mail address, we have just sent a code to it. "
                "It can take a few minutes to arrive."), "info")
        return redirect(url_for(".reset_confirm"))
    return _render("auth/reset_request.html", form)


@bp.route("/reset/confirm", methods=["GET", "POST"])
@limiter.limit(GUESS_LIMIT, methods=["POST"])
def reset_confirm():
    return _confirm_code(claim=False)


@bp.route("/claim", methods=["GET", "POST"])
@limiter.limit(GUESS_LIMIT, methods=["POST"])
def claim():
    """An applicant registered by an agent takes her account over: same code check as a reset."""
    return _confirm_code(claim=True)


def _confirm_code(claim: bool):
    form = ResetConfirmForm()
    if request.method == "GET" and not form.identifier.data:
        form.identifier.data = session.get("reset_identifier")
    if form.validate_on_submit():
        try:
            user, reset = services.check_reset_code(form.identifier.data, form.code.data)
        except services.InvalidCode as error:
            # The only commit outside the request handler: a wrong guess must count although the
            # request fails (422 rolls back). Nothing else was changed in this request.
            db.session.commit()
            _add_error(form, error)
            return _render("auth/reset_confirm.html", form, claim=claim)
        try:
            check_password(form.password.data, phone=user.phone, email=user.email)
        except ValueError as error:  # WTForms' ValidationError; the attempt is rolled back with the request
            form.password.errors = [str(error)]
            return _render("auth/reset_confirm.html", form, claim=claim)
        services.complete_reset(user, reset, form.password.data)
        start_session(user)  # the new password's session: every other one has just ended
        if claim:
            flash(_("Your account is now yours alone. You are signed in."), "success")
        else:
            flash(_("Your password has been changed. You are signed in."), "success")
        return redirect(url_for("main.dashboard"))
    return _render("auth/reset_confirm.html", form, claim=claim)
