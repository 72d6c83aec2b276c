from flask import has_request_context, request
from flask_login import current_user

from jisr.audit.models import AuditEntry
from jisr.extensions import db


def record(action: str, obj=None, actor=None, **details) -> AuditEntry:
    """Add an audit entry to the current transaction (committed with the change it describes)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(obj).__tablename__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details=details or None,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
