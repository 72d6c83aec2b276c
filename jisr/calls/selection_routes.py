"""Selection of associations: reviewers assigned by admins, conflicts of interest, scores, the ranking
and the decision that makes an association an incubator. Admin pages first, then the reviewer's."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from jisr.authz import Permission, get_association_or_404, may_see_scores, permission_required, review_scope
from jisr.calls import selection, selection_decisions
from jisr.calls.models import SCORE_MAX, AssociationApplication, AssociationReview, Call
from jisr.calls.selection import SelectionError
from jisr.calls.selection_forms import AssignForm, ConflictForm, DeclineForm, SelectForm, score_form, score_values
from jisr.documents.validation import human_size
from jisr.extensions import db
from jisr.labels import label
from jisr.numbers import page_number
from jisr.timeutil import utcnow

bp = Blueprint("selection", __name__, url_prefix="/selection")
#: Where reviewers and admins download an association's documents (checked by authz.association_scope).
DOCUMENT_ENDPOINT = "calls.document"


@bp.context_processor
def helpers() -> dict:
    return {"human_size": human_size}


def _page() -> int:
    return max(request.args.get("page", 1, type=page_number), 1)


def _pages(total: int) -> int:
    return max((total + selection.PAGE_SIZE - 1) // selection.PAGE_SIZE, 1)


def _reviewer_choices(exclude=frozenset()) -> list[SelectChoice]:
    return [SelectChoice("", _("Choose a reviewer"))] + [
        SelectChoice(user.id, _("%(name)s (%(role)s)", name=user.full_name, role=label("role", user.role)))
        for user in selection.reviewers() if user.id not in exclude]


# -- admins: a call's applications and their ranking ----------------------------------------------------------

@bp.get("/calls/<int:call_id>")
@permission_required(Permission.ADMINISTER)
def call(call_id: int):
    return _render_call(db.get_or_404(Call, call_id))


def _render_call(call: Call, form: AssignForm | None = None, status: int = 200):
    form = form or AssignForm(formdata=None)
    form.reviewer.choices = _reviewer_choices()
    page = _page()
    rows, total = selection.ranking(call, current_user, page)
    return render_template("selection/call.html", call=call, rows=rows, total=total, page=page, pages=_pages(total),
                           offset=(page - 1) * selection.PAGE_SIZE, counts=selection.status_counts(call), form=form,
                           now=utcnow(), score_max=SCORE_MAX), status


@bp.post("/calls/<int:call_id>/reviewers")
@permission_required(Permission.ADMINISTER)
def assign_all(call_id: int):
    call = db.get_or_404(Call, call_id)
    form = AssignForm()
    form.reviewer.choices = _reviewer_choices()
    if not form.validate_on_submit():
        return _render_call(call, form, 422)
    try:
        reviewer = selection.reviewer(form.reviewer.data)
        count = selection.assign_all(call, reviewer, current_user)
    except SelectionError as error:
        form.reviewer.errors = [str(error)]
        return _render_call(call, form, 422)
    if count:
        flash(ngettext("%(num)d application given to %(name)s.", "%(num)d applications given to %(name)s.", count,
                       name=reviewer.full_name), "success")
    else:
        flash(_("%(name)s already reviews every sent application of this call.", name=reviewer.full_name), "info")
    return redirect(url_for(".call", call_id=call.id), 303)


# -- admins: one application, its reviewers, its scores and the decision -------------------------------------

def _association_or_404(association_id: int) -> AssociationApplication:
    """A sent application (drafts are the association's own business). An admin who declared a conflict of
    interest on it is left out of it like any reviewer."""
    association = get_association_or_404(association_id)
    if association.is_draft:
        abort(404)
    own = selection.own_review(association, current_user)
    if own is not None and own.conflict:
        abort(404)
    return association


@bp.get("/associations/<int:association_id>")
@permission_required(Permission.ADMINISTER)
def association(association_id: int):
    return _render_association(_association_or_404(association_id))


def _render_association(association: AssociationApplication, assign_form=None, select_form=None, decline_form=None,
                        status: int = 200):
    reviews = selection.reviews_of(association)
    assign_form = assign_form or AssignForm(formdata=None)
    assign_form.reviewer.choices = _reviewer_choices(exclude={review.reviewer_id for review in reviews})
    visible = may_see_scores(current_user, association.id)
    return render_template(
        "selection/association.html", association=association, reviews=reviews,
        documents=selection.documents_of(association), document_endpoint=DOCUMENT_ENDPOINT,
        own=next((review for review in reviews if review.reviewer_id == current_user.id), None), visible=visible,
        summary=selection.score_summary(association) if visible else None, score_max=SCORE_MAX,
        assign_form=assign_form, select_form=select_form or SelectForm(formdata=None),
        decline_form=decline_form or DeclineForm(formdata=None), call_closed=selection_decisions.call_closed(
            association), reason_kind=selection_decisions.reason_kind(association)), status


@bp.post("/associations/<int:association_id>/reviewers")
@permission_required(Permission.ADMINISTER)
def assign(association_id: int):
    association = _association_or_404(association_id)
    form = AssignForm()
    form.reviewer.choices = _reviewer_choices()
    if not form.validate_on_submit():
        return _render_association(association, assign_form=form, status=422)
    try:
        reviewer = selection.reviewer(form.reviewer.data)
        selection.assign(association, reviewer, current_user)
    except SelectionError as error:
        form.reviewer.errors = [str(error)]
        return _render_association(association, assign_form=form, status=422)
    flash(_("%(name)s now reviews this association.", name=reviewer.full_name), "success")
    return redirect(url_for(".association", association_id=association.id), 303)


@bp.post("/associations/<int:association_id>/reviewers/<int:review_id>/remove")
@permission_required(Permission.ADMINISTER)
def unassign(association_id: int, review_id: int):
    association = _association_or_404(association_id)
    review = db.session.get(AssociationReview, review_id)
    if review is None or review.association_application_id != association.id:
        abort(404)
    name = review.reviewer.full_name
    try:
        selection.unassign(review, current_user)
    except SelectionError as error:
        flash(str(error), "error")
        return _render_association(association, status=422)
    flash(_("%(name)s no longer reviews this association.", name=name), "success")
    return redirect(url_for(".association", association_id=association.id), 303)


@bp.post("/associations/<int:association_id>/select")
@permission_required(Permission.ADMINISTER)
def select(association_id: int):
    association = _association_or_404(association_id)
    form = SelectForm()
    if not form.validate_on_submit():
        return _render_association(association, select_form=form, status=422)
    try:
        incubator = selection_decisions.select(association, form.reason.data, form.note.data, current_user)
    except SelectionError as error:
        flash(str(error), "error")
        return _render_association(association, select_form=form, status=422)
    flash(_("The association has been selected: the incubator %(name)s has been created and its representative "
            "now manages it.", name=incubator.name), "success")
    return redirect(url_for(".association", association_id=association.id), 303)


@bp.post("/associations/<int:association_id>/decline")
@permission_required(Permission.ADMINISTER)
def decline(association_id: int):
    association = _association_or_404(association_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _render_association(association, decline_form=form, status=422)
    try:
        selection_decisions.decline(association, form.reason.data, form.note.data, current_user)
    except SelectionError as error:
        flash(str(error), "error")
        return _render_association(association, decline_form=form, status=422)
    flash(_("The association has been told that it is not selected."), "success")
    return redirect(url_for(".association", association_id=association.id), 303)


# -- reviewers: their assignments, the conflict declaration and the scores -----------------------------------

@bp.get("/reviews/")
@permission_required(Permission.COORDINATE)
def my_reviews():
    page = _page()
    rows, total = selection.my_reviews(current_user, page)
    return render_template("selection/my_reviews.html", rows=rows, total=total, page=page, pages=_pages(total))


def _review_or_404(review_id: int) -> AssociationReview:
    review = db.session.scalar(sa.select(AssociationReview).where(AssociationReview.id == review_id,
                                                                   review_scope(current_user)))
    if review is None:
        abort(404)
    return review


@bp.get("/reviews/<int:review_id>")
@permission_required(Permission.COORDINATE)
def review(review_id: int):
    return _render_review(_review_or_404(review_id))


def _render_review(review: AssociationReview, form=None, conflict_form=None, status: int = 200):
    association = review.association_application
    criteria = association.call.criteria
    visible = not review.conflict and may_see_scores(current_user, association.id)
    return render_template(
        "selection/review.html", review=review, association=association, criteria=criteria,
        form=form or (score_form(criteria) if review.state == "assigned" else None),
        conflict_form=conflict_form or ConflictForm(formdata=None), score_max=SCORE_MAX,
        documents=[] if review.conflict else selection.documents_of(association),
        document_endpoint=DOCUMENT_ENDPOINT, visible=visible,
        summary=selection.score_summary(association) if visible else None), status


@bp.post("/reviews/<int:review_id>/scores")
@permission_required(Permission.COORDINATE)
def score(review_id: int):
    review = _review_or_404(review_id)
    if review.state != "assigned":
        flash(_("Your scores have already been sent; they can no longer be changed.") if review.submitted_at
              else _("You declared a conflict of interest with this association: you are left out of its review."),
              "error")
        return _render_review(review, status=422)
    form = score_form(review.association_application.call.criteria)
    if not form.validate_on_submit():
        return _render_review(review, form=form, status=422)
    try:
        selection.submit_scores(review, score_values(form))
    except SelectionError as error:
        flash(str(error), "error")
        return _render_review(review, form=form, status=422)
    flash(_("Your scores have been sent. You can now see the other reviewers' scores."), "success")
    return redirect(url_for(".review", review_id=review.id), 303)


@bp.post("/reviews/<int:review_id>/conflict")
@permission_required(Permission.COORDINATE)
def conflict(review_id: int):
    review = _review_or_404(review_id)
    form = ConflictForm()
    if review.state == "assigned" and not form.validate_on_submit():
        return _render_review(review, conflict_form=form, status=422)
    try:
        selection.declare_conflict(review, form.note.data)
    except SelectionError as error:
        flash(str(error), "error")
        return _render_review(review, status=422)
    flash(_("Your conflict of interest has been recorded: you are left out of this association's review."),
          "success")
    return redirect(url_for(".review", review_id=review.id), 303)
