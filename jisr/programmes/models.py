from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jisr.extensions import db
from jisr.geo.models import Province
from jisr.i18n_fields import BilingualName, current_language
from jisr.timeutil import utcnow

programme_provinces = sa.Table(
    "programme_provinces",
    db.metadata,
    sa.Column("programme_id", sa.ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("province_id", sa.ForeignKey("provinces.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Programme(BilingualName, db.Model):
    """A call with its own rules; eligibility reads them, nothing is hard-coded per programme."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    description_ar: Mapped[str] = mapped_column(sa.Text, default="")
    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    opens_on: Mapped[date] = mapped_column(sa.Date)
    closes_on: Mapped[date] = mapped_column(sa.Date)
    min_age: Mapped[int] = mapped_column(default=18)
    max_age: Mapped[int | None] = mapped_column()
    targets_women: Mapped[bool] = mapped_column(default=True)
    targets_disability: Mapped[bool] = mapped_column(default=True)
    one_active_file_per_person: Mapped[bool] = mapped_column(default=True)
    # Deadlines are civil times where the programme runs, whatever the server's own time zone.
    timezone: Mapped[str] = mapped_column(sa.String(40), default="Africa/Casablanca",
                                          server_default="Africa/Casablanca")

    provinces: Mapped[list[Province]] = relationship(secondary=programme_provinces, order_by=Province.name_fr)

    __table_args__ = (sa.CheckConstraint("closes_on >= opens_on", name="dates_ordered"),)

    @property
    def description(self) -> str:
        return getattr(self, f"description_{current_language()}", None) or self.description_fr

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.closes_on

    def __repr__(self) -> str:
        return f"<Programme {self.code}>"


class ConsentText(db.Model):
    """One published version of a programme's consent text, in both languages. The newest is the one she agrees
    to; publishing one asks everyone with a sent file of the programme to agree again at her next visit (the
    texts are kept: each consent names the version it was given for). A programme without any uses the built-in
    text (applications/_consent_text.html, version `BUILT_IN_VERSION`)."""

    __tablename__ = "consent_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(sa.String(20))
    body_ar: Mapped[str] = mapped_column(sa.Text)
    body_fr: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    __table_args__ = (sa.UniqueConstraint("programme_id", "version"),)

    def body_in(self, language: str) -> str:
        return self.body_ar if language == "ar" else self.body_fr

    @property
    def paragraphs(self) -> list[str]:
        """The reader's language, split at blank lines (shown as paragraphs, escaped: it is plain text)."""
        return [p.strip() for p in self.body_in(current_language()).replace("\r\n", "\n").split("\n\n")
                if p.strip()]

    def __repr__(self) -> str:
        return f"<ConsentText {self.programme_id} v{self.version}>"
