"""Bilingual reference data: a row carries one name per language, shown in the reader's."""

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "ar"


class BilingualName:
    """Mixin for rows named in Arabic and French; falls back to French for another language."""

    name_ar: Mapped[str] = mapped_column(sa.String(200))
    name_fr: Mapped[str] = mapped_column(sa.String(200))

    @property
    def name(self) -> str:
        return getattr(self, f"name_{current_language()}", None) or self.name_fr
