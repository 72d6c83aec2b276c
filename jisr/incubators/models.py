import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jisr.extensions import db
from jisr.geo.models import Province
from jisr.i18n_fields import BilingualName

incubator_provinces = sa.Table(
    "incubator_provinces",
    db.metadata,
    sa.Column("incubator_id", sa.ForeignKey("incubators.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("province_id", sa.ForeignKey("provinces.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Incubator(BilingualName, db.Model):
    """An association selected as social incubator; routing and staff pages come with later issues."""

    __tablename__ = "incubators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    capacity: Mapped[int] = mapped_column(default=0)
    generalist: Mapped[bool] = mapped_column(default=True)
    accessible_premises: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    provinces: Mapped[list[Province]] = relationship(secondary=incubator_provinces)

    def __repr__(self) -> str:
        return f"<Incubator {self.code}>"
