import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user

from jisr.applications.services import current_programme
from jisr.authz import home_endpoint
from jisr.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template("main/home.html", programme=current_programme())


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            db.session.close()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.get("/dashboard")
def dashboard():
    """Where each role lands after signing in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(home_endpoint(current_user)))
