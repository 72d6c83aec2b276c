"""The upload form. The file's type and size are checked by content in validation.py, not here:
FileAllowed would trust the file name."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import DataRequired

from jisr.forms import FlaskForm
from jisr.labels import choices

#: Hint for the browser's file picker only; the server never relies on it.
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class UploadForm(FlaskForm):
    kind = SelectField(_l("Type of document"), choices=choices("document_kind", _l("Choose…")),
                       validators=[DataRequired(message=_l("Choose the type of document."))])
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file to send."))])
