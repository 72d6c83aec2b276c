"""Placeholder replaced by the accounts work (register, login, logout, reset)."""

from flask import Blueprint, redirect, url_for
from flask_login import logout_user

bp = Blueprint("auth", __name__, url_prefix="/account")


@bp.get("/login")
def login():
    return "login"


@bp.get("/register")
def register():
    return "register"


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("main.home"))
