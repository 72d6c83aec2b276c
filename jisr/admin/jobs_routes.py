"""/admin/jobs/: the job queue's dead letter for admins (403 for everyone else). Without a queue the page says
that the work is done in the requests and by the cron commands. Retry and delete are POSTs with a CSRF token,
audited with the request's commit."""

from __future__ import annotations

import redis
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from jisr import jobs as queue
from jisr.authz import Permission, permission_required
from jisr.forms import CsrfForm

from . import jobs

bp = Blueprint("jobs_admin", __name__, url_prefix="/admin/jobs")


@bp.get("/")
@permission_required(Permission.ADMINISTER)
def index():
    if not queue.enabled():
        return render_template("admin/jobs.html", enabled=False)
    try:
        found = jobs.overview()
    except redis.RedisError:
        return render_template("admin/jobs.html", enabled=True, unreachable=True), 503
    return render_template("admin/jobs.html", enabled=True, overview=found)


@bp.post("/<job_id>/<any(retry, delete):action>")
@permission_required(Permission.ADMINISTER)
def act(job_id: str, action: str):
    if not queue.enabled():
        abort(404)
    CsrfForm().validate_on_submit() or abort(400)
    try:
        job = jobs.retry(job_id) if action == "retry" else jobs.delete(job_id)
    except redis.RedisError:
        flash(_("The job queue cannot be reached: nothing was changed. Try again in a moment."), "error")
        return redirect(url_for(".index"), 303)
    if job is None:
        flash(_("This job is no longer among the failed jobs."), "info")
    elif action == "retry":
        flash(_("The job has been put back in the queue: a worker runs it again shortly."), "success")
    else:
        flash(_("The job has been deleted. Its messages stay in the outbox as not delivered."), "success")
    return redirect(url_for(".index"), 303)
