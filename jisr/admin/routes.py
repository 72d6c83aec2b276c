"""Admins' pages for staff accounts: the list, one account with its role, scope and activation, and the
invitations (sent, waiting, revoked). Only admins reach them (403 for everyone else). Changes are committed by
the app after a successful response and rolled back after a refused one."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from jisr.auth import invitations
from jisr.auth.models import Invitation, User
from jisr.auth.services import AccountError
from jisr.authz import Permission, permission_required
from jisr.extensions import db
from jisr.forms import CsrfForm
from jisr.geo.models import Province, Region
from jisr.i18n import LANGUAGE_NAMES, available_languages, is_language_switch
from jisr.incubators.models import Incubator
from jisr.labels import SelectChoice
from jisr.numbers import page_number

from . import services
from .forms import RoleForm, StaffInviteForm, UserFilterForm, role_choices

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _scope_choices(form) -> None:
    form.role.choices = role_choices()
    form.incubator.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(i.id, i.name) for i in db.session.scalars(sa.select(Incubator).order_by(Incubator.name_fr))]
    form.provinces.choices = [SelectChoice(p.id, p.name) for p in db.session.scalars(
        sa.select(Province).join(Region).order_by(Region.id, Province.name_fr))]


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users/")
@permission_required(Permission.ADMINISTER)
def users():
    form = UserFilterForm(request.args)
    form.role.choices = role_choices(blank=_("All staff roles")) + [
        SelectChoice(role, text) for role, text in (("applicant", _("Applicants")),
                                                    ("representative", _("Association representatives")))]
    form.validate()
    active = {"1": True, "0": False}.get(form.active.data if not form.active.errors else "")
    page = max(request.args.get("page", 1, type=page_number), 1)
    found, total = services.users(form.q.data if not form.q.errors else None,
                                  form.role.data if not form.role.errors else None, active, page)
    return render_template(
        "admin/users.html", form=form, users=found, total=total, page=page,
        pages=max((total + services.PAGE_SIZE - 1) // services.PAGE_SIZE, 1),
        args={k: v for k, v in request.args.items() if k != "page" and v},
        incubators=services.incubator_names(found), invitations=services.pending_invitations())


def _render_user(user: User, form=None, status: int = 200):
    if form is None:
        form = RoleForm(formdata=None, data={"role": user.role, "incubator": user.incubator_id,
                                             "provinces": [p.id for p in user.provinces]})
    _scope_choices(form)
    incubator = db.session.get(Incubator, user.incubator_id) if user.incubator_id else None
    staff = user.role in services.STAFF_ROLES
    return render_template("admin/user.html", user=user, form=form, incubator=incubator, staff=staff,
                           **({"form_id": "role-form"} if staff else {})), status


@bp.get("/users/<int:user_id>")
@permission_required(Permission.ADMINISTER)
def user(user_id: int):
    return _render_user(_user_or_404(user_id))


@bp.post("/users/<int:user_id>")
@permission_required(Permission.ADMINISTER)
def change(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm()
    _scope_choices(form)
    if is_language_switch():
        return _render_user(user, form)
    if not form.validate_on_submit():
        return _render_user(user, form, 422)
    try:
        changed = services.change_role(user, current_user, form.role.data, form.incubator.data, form.provinces.data)
    except services.AdminError as error:
        field = getattr(form, error.field or "", None) or form.role
        field.errors = [*field.errors, str(error)]
        return _render_user(user, form, 422)
    flash(_("The role and scope of %(name)s are saved.", name=user.full_name) if changed
          else _("Nothing was changed."), "success" if changed else "info")
    return redirect(url_for(".user", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/<any(activate, deactivate):action>")
@permission_required(Permission.ADMINISTER)
def activation(user_id: int, action: str):
    user = _user_or_404(user_id)
    CsrfForm().validate_on_submit() or abort(400)
    try:
        services.set_active(user, current_user, action == "activate")
    except services.AdminError as error:
        flash(str(error), "error")
        return _render_user(user, status=409)
    flash(_("%(name)s can sign in again.", name=user.full_name) if user.active
          else _("%(name)s can no longer sign in. Her files and history are kept.", name=user.full_name), "success")
    return redirect(url_for(".user", user_id=user.id), 303)


def _invite_form(formdata=None) -> StaffInviteForm:
    form = StaffInviteForm(formdata=None) if formdata is None else StaffInviteForm()
    form.language.choices = [SelectChoice(code, LANGUAGE_NAMES.get(code, code)) for code in available_languages()]
    _scope_choices(form)
    if formdata is None:
        form.language.data = get_locale().language
    return form


def _render_invite(form, status: int = 200):
    return render_template("admin/invite.html", form=form, invitation_days=invitations.INVITATION_DAYS,
                           form_id="invite-form"), status


@bp.get("/users/invite")
@permission_required(Permission.ADMINISTER)
def invite_form():
    return _render_invite(_invite_form())


@bp.post("/users/invite")
@permission_required(Permission.ADMINISTER)
def invite():
    form = _invite_form(request.form)
    if is_language_switch():
        return _render_invite(form)
    if form.validate_on_submit():
        try:
            scope = services.scope_for(form.role.data, form.incubator.data, form.provinces.data)
            invitation = invitations.invite(current_user, form.role.data, form.full_name.data,
                                            form.phone.data or None, form.email.data or None, form.language.data,
                                            incubator=scope.incubator, provinces=scope.provinces)
        except (services.AdminError, AccountError) as error:
            field = getattr(form, getattr(error, "field", None) or "", None) or form.full_name
            field.errors = [*field.errors, str(error)]
        else:
            flash(_("%(name)s has been invited. She received a code to open her account.",
                    name=invitation.full_name), "success")
            return redirect(url_for(".users"), 303)
    return _render_invite(form, 422)


@bp.post("/invitations/<int:invitation_id>/revoke")
@permission_required(Permission.ADMINISTER)
def revoke(invitation_id: int):
    CsrfForm().validate_on_submit() or abort(400)
    invitation = db.session.get(Invitation, invitation_id) or abort(404)
    try:
        invitations.revoke(invitation, current_user)
    except AccountError as error:
        flash(str(error), "info")
    else:
        flash(_("The invitation of %(name)s has been revoked: her code no longer works.",
                name=invitation.full_name), "success")
    return redirect(url_for(".users"), 303)
