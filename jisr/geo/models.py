import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jisr.extensions import db
from jisr.i18n_fields import BilingualName


class Region(BilingualName, db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    provinces: Mapped[list["Province"]] = relationship(back_populates="region", order_by="Province.name_fr")

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class Province(BilingualName, db.Model):
    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # province or prefecture
    region: Mapped[Region] = relationship(back_populates="provinces")

    def __repr__(self) -> str:
        return f"<Province {self.code}>"


class Sector(BilingualName, db.Model):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)

    def __repr__(self) -> str:
        return f"<Sector {self.code}>"
