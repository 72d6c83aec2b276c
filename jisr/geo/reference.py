"""Reference data seeded from files shipped in the package: Morocco's regions and provinces
(from shared/data) and the sectors of activity. Idempotent: rows are matched by code, and only what is missing
is added, so seeding again never undoes what admins renamed or deleted at /admin/reference/."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import sqlalchemy as sa

from jisr.extensions import db
from jisr.geo.models import Province, Region, Sector

DATA = Path(__file__).resolve().parent.parent / "data"

SECTORS = [
    ("agriculture", "الفلاحة", "Agriculture"),
    ("livestock", "تربية الماشية", "Élevage"),
    ("agrifood", "الصناعة الغذائية والتحويل", "Agroalimentaire et transformation"),
    ("handicrafts", "الصناعة التقليدية", "Artisanat"),
    ("textile", "الخياطة والنسيج", "Couture et textile"),
    ("trade", "التجارة", "Commerce"),
    ("services", "الخدمات", "Services"),
    ("tourism", "السياحة والإيواء", "Tourisme et hébergement"),
    ("beauty", "التجميل والحلاقة", "Beauté et coiffure"),
    ("digital", "الرقمي والإعلاميات", "Numérique et informatique"),
    ("education", "التعليم والتربية", "Éducation et garde d'enfants"),
    ("other", "قطاع آخر", "Autre secteur"),
]


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def load_geography(path: Path = DATA / "morocco-provinces.csv") -> tuple[int, int]:
    regions = {r.code: r for r in db.session.scalars(sa.select(Region))}
    provinces = {p.code: p for p in db.session.scalars(sa.select(Province))}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            region_code = slug(row["region_fr"])
            region = regions.get(region_code)
            if region is None:
                region = regions[region_code] = Region(code=region_code, name_fr=row["region_fr"],
                                                       name_ar=row["region_ar"])
                db.session.add(region)
            code = slug(row["province_fr"])
            if code not in provinces:
                provinces[code] = Province(code=code, region=region, name_fr=row["province_fr"],
                                           name_ar=row["province_ar"], kind=row["kind"])
                db.session.add(provinces[code])
    db.session.flush()
    return len(regions), len(provinces)


def load_sectors() -> int:
    """The default sectors, into an empty table only: afterwards the list is the admins' (a sector they deleted
    stays deleted)."""
    if db.session.scalar(sa.select(Sector.id).limit(1)) is None:
        db.session.add_all(Sector(code=code, name_ar=name_ar, name_fr=name_fr) for code, name_ar, name_fr in SECTORS)
        db.session.flush()
    return len(SECTORS)


def load_reference_data() -> None:
    load_geography()
    load_sectors()
