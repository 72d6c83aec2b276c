"""Forms shared by several features, and the base of every posted form."""

import wtforms
from flask import current_app, request
from flask_wtf import FlaskForm as _FlaskForm
from flask_wtf.i18n import translations
from werkzeug.datastructures import MultiDict
from wtforms.fields import FileField


class Form(wtforms.Form):
    """A form without CSRF: a row of a list (FormField) or filters read from the query string. WTForms' own
    messages ("Number must be between 1 and 100.") come in the reader's language, as in a FlaskForm; a plain
    WTForms form gives them in English, even on an Arabic page."""

    class Meta:
        def get_translations(self, form):
            return translations if current_app.config.get("WTF_I18N_ENABLED", True) else None


class FlaskForm(_FlaskForm):
    """Flask-WTF's form, reading only what an HTML form sends: its fields from the form body, and uploads only
    into its file fields. Flask-WTF would also hand a file to a text field (a crafted multipart post), or read a
    JSON body whose values may be lists or objects; both reached validators that expect text and failed with a
    500. Every form of the app derives from this one (tests/test_bad_input.py checks it)."""

    class Meta(_FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is None or hasattr(formdata, "getlist") or hasattr(formdata, "getall"):
                return super().wrap_formdata(form, formdata)  # given by the caller
            if not form.is_submitted() or not (request.form or request.files):
                return None  # nothing posted, or a JSON body: no HTML form sends one
            data = MultiDict(request.form)
            for field in form:
                if isinstance(field, FileField):
                    for upload in request.files.getlist(field.name):
                        data.add(field.name, upload)
            return data


class CsrfForm(FlaskForm):
    """Only a CSRF token: for buttons that change something with a POST and ask nothing else."""
