"""The audit log viewer for admins: filters in the query string, one page at a time, and the same selection
exported as CSV (streamed; the export itself is audited)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext as _

from jisr.audit.services import record
from jisr.authz import Permission, permission_required
from jisr.labels import SelectChoice
from jisr.numbers import page_number
from jisr.timeutil import utcnow

from . import audit
from .forms import AuditFilterForm

bp = Blueprint("audit_log", __name__, url_prefix="/admin/audit")


def _filters() -> tuple[AuditFilterForm, audit.AuditFilters, bool]:
    form = AuditFilterForm(request.args)
    form.family.choices = [SelectChoice("", _("All"))] + [SelectChoice(f, f) for f in audit.FAMILIES]
    valid = form.validate()
    values = {name: (form[name].data if not form[name].errors else None)
              for name in ("user", "family", "action", "reference", "since", "until")}
    return form, audit.AuditFilters(**{k: v or None for k, v in values.items()}), valid


@bp.get("/")
@permission_required(Permission.ADMINISTER)
def index():
    form, filters, valid = _filters()
    page = max(request.args.get("page", 1, type=page_number), 1)
    rows, total = audit.entries(filters, page)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit.html", form=form, rows=rows, total=total, page=page,
                           pages=max((total + audit.PAGE_SIZE - 1) // audit.PAGE_SIZE, 1), args=args,
                           details=audit.details_text), 200 if valid else 422


@bp.get("/export.csv")
@permission_required(Permission.ADMINISTER)
def export():
    form, filters, valid = _filters()
    if not valid:
        return index()
    record("audit.exported", filters={k: str(v) for k, v in vars(filters).items() if v})
    name = f"jisr-audit-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(stream_with_context(audit.csv_rows(filters)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
