"""Forms shared by several features."""

from flask_wtf import FlaskForm


class CsrfForm(FlaskForm):
    """Only a CSRF token: for buttons that change something with a POST and ask nothing else."""
