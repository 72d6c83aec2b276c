"""Incubators: the public directory, the manager's own incubator and its staff, the admins' list.
The manager reaches her incubator only through authz.managed_incubator_or_404."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from jisr.auth import invitations
from jisr.auth.services import AccountError
from jisr.authz import Permission, managed_incubator_or_404, permission_required
from jisr.forms import CsrfForm
from jisr.i18n import LANGUAGE_NAMES, available_languages, is_language_switch
from jisr.incubators import services
from jisr.incubators.forms import DetailsForm, DirectoryFilterForm, InviteForm
from jisr.numbers import page_number

bp = Blueprint("incubators", __name__, url_prefix="/incubators")


def _page() -> int:
    return max(request.args.get("page", 1, type=page_number), 1)


# -- the public directory ---------------------------------------------------------------------------------

@bp.get("/")
def directory():
    form = DirectoryFilterForm(request.args)
    regions = services.regions()
    provinces = services.provinces()
    region_names = {region.id: region.name for region in regions}
    form.region.choices = [SelectChoice("", _("All regions"))] + [SelectChoice(r.id, r.name) for r in regions]
    form.province.choices = [SelectChoice("", _("All provinces"))] + [
        SelectChoice(p.id, p.name, optgroup=region_names.get(p.region_id)) for p in provinces]
    form.validate()
    region_id = form.region.data if not form.region.errors else None
    province_id = form.province.data if not form.province.errors else None
    # A filter that does not exist is no filter: the whole directory is shown, without an error to fix.
    form.region.errors, form.province.errors = [], []
    region_of = {p.id: p.region_id for p in provinces}
    if region_id and province_id and region_of.get(province_id) != region_id:
        province_id = form.province.data = None  # the region was changed: show all of it
    found = services.directory(region_id, province_id, _page())
    args = {name: value for name, value in (("region", region_id), ("province", province_id)) if value}
    return render_template("incubators/directory.html", form=form, directory=found, page=found.page,
                           pages=found.pages, args=args, filtered=bool(args))


# -- the manager's incubator -------------------------------------------------------------------------------

def _language_choices():
    return [SelectChoice(code, LANGUAGE_NAMES.get(code, code)) for code in available_languages()]


def _details_form(incubator, formdata=None) -> DetailsForm:
    if formdata is not None:
        return DetailsForm(prefix="details")
    form = DetailsForm(formdata=None, obj=incubator, prefix="details")
    form.phone.data = services.display_phone(incubator.phone)  # as people write it; saved again as E.164
    return form


def _invite_form(formdata=None) -> InviteForm:
    form = InviteForm(formdata=None, prefix="invite") if formdata is None else InviteForm(prefix="invite")
    form.language.choices = _language_choices()
    if formdata is None:
        form.language.data = get_locale().language
    return form


def _render_manage(incubator, details_form=None, invite_form=None, form_id=None, status: int = 200):
    context = dict(
        incubator=incubator, load=services.load_of(incubator), staff=services.staff(incubator),
        invitations=invitations.pending(incubator.id),
        details_form=details_form or _details_form(incubator), invite_form=invite_form or _invite_form(),
        revoke_form=CsrfForm(formdata=None), invitation_days=invitations.INVITATION_DAYS)
    if form_id:  # after a POST, the language switch re-posts what was typed instead of losing it
        context["form_id"] = form_id
    return render_template("incubators/manage.html", **context), status


@bp.get("/mine")
@permission_required(Permission.MANAGE_INCUBATOR)
def manage():
    return _render_manage(managed_incubator_or_404())


@bp.post("/mine/details")
@permission_required(Permission.MANAGE_INCUBATOR)
def update():
    incubator = managed_incubator_or_404()
    form = _details_form(incubator, request.form)
    if is_language_switch():
        return _render_manage(incubator, details_form=form, form_id="details-form")
    if not form.validate_on_submit():
        return _render_manage(incubator, details_form=form, form_id="details-form", status=422)
    result = services.update_details(incubator, current_user, {name: form[name].data
                                                                for name in services.DETAIL_FIELDS})
    if not result.changed:
        flash(_("Nothing was changed."), "info")
        return redirect(url_for(".manage"), 303)
    flash(_("The details of your incubator are saved."), "success")
    if result.routed:
        flash(ngettext("%(num)d file of the waiting list of your area has been sent to an incubator.",
                       "%(num)d files of the waiting list of your area have been sent to an incubator.",
                       result.routed), "success")
    load = services.load_of(incubator)
    if "capacity" in result.changed and incubator.capacity < load:
        flash(_("You now accompany more files than your capacity: nobody is moved out, and no new file comes "
                "until places free."), "info")
    return redirect(url_for(".manage"), 303)


@bp.post("/mine/invitations")
@permission_required(Permission.MANAGE_INCUBATOR)
def invite():
    incubator = managed_incubator_or_404()
    form = _invite_form(request.form)
    if is_language_switch():
        return _render_manage(incubator, invite_form=form, form_id="invite-form")
    if form.validate_on_submit():
        try:
            invitation = invitations.invite_mentor(incubator, current_user, form.full_name.data,
                                                   form.phone.data or None, form.email.data or None,
                                                   form.language.data)
        except AccountError as error:
            field = getattr(form, error.field or "", None) or form.full_name
            field.errors = [*field.errors, str(error)]
        else:
            flash(_("%(name)s has been invited. She received a code to open her account.",
                    name=invitation.full_name), "success")
            return redirect(url_for(".manage"), 303)
    return _render_manage(incubator, invite_form=form, form_id="invite-form", status=422)


@bp.post("/mine/invitations/<int:invitation_id>/revoke")
@permission_required(Permission.MANAGE_INCUBATOR)
def revoke_invitation(invitation_id: int):
    incubator = managed_incubator_or_404()
    CsrfForm().validate_on_submit() or abort(400)
    invitation = invitations.invitation_of(incubator.id, invitation_id)
    if invitation is None:
        abort(404)
    try:
        invitations.revoke(invitation, current_user)
    except AccountError as error:
        flash(str(error), "info")
    else:
        flash(_("The invitation of %(name)s has been revoked: her code no longer works.",
                name=invitation.full_name), "success")
    return redirect(url_for(".manage"), 303)


# -- the admins' list --------------------------------------------------------------------------------------

@bp.get("/admin/")
@permission_required(Permission.ADMINISTER)
def admin_index():
    rows, total, page, pages = services.admin_rows(_page())
    return render_template("incubators/admin_index.html", rows=rows, total=total, page=page, pages=pages, args={})
