"""A programme's grids (mentoring stages, reason codes, assessment criteria), kept as data in both languages.

A programme without its own grids gets the defaults of PRODUCT.md the first time they are read, so a new
programme works at once; admins edit the rows afterwards (jisr/programmes/admin_routes.py) and nothing here
is hard-coded per programme."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from jisr.extensions import db
from jisr.programmes.models import Programme
from jisr.workspace.models import AssessmentCriterion, MentoringStage, ReasonCode, ReasonKind

#: (code, Arabic, French): the default pipeline of PRODUCT.md.
DEFAULT_STAGES = (
    ("reception", "الاستقبال والتوجيه", "Accueil et orientation"),
    ("diagnosis", "التشخيص", "Diagnostic"),
    ("training", "التكوين", "Formation"),
    ("business_plan", "مخطط الأعمال", "Plan d'affaires"),
    ("financing", "البحث عن التمويل", "Recherche de financement"),
    ("launch", "الإحداث والانطلاق", "Création et lancement"),
    ("follow_up", "التتبع بعد الإحداث", "Suivi post-création"),
)
#: The stage after which a file may go before a financing commission.
FINANCING_FROM = "business_plan"

DEFAULT_REASONS = {
    ReasonKind.REJECTION: (
        ("not_viable", "المشروع غير قابل للتنفيذ في شكله الحالي", "Le projet n'est pas viable en l'état"),
        ("outside_sectors", "المشروع خارج مجالات تدخل الجمعية", "Le projet sort des domaines de l'incubateur"),
        ("incomplete", "الملف غير مكتمل رغم طلب المعلومات", "Le dossier reste incomplet malgré la demande"),
        ("unreachable", "تعذر التواصل مع صاحبة المشروع", "La porteuse de projet n'a pas pu être jointe"),
        ("other", "سبب آخر", "Autre raison"),
    ),
    ReasonKind.DROP_OUT: (
        ("personal", "أسباب شخصية أو عائلية", "Raisons personnelles ou familiales"),
        ("health", "أسباب صحية", "Raisons de santé"),
        ("moved", "تغيير مكان الإقامة", "Changement de lieu de résidence"),
        ("employment", "الحصول على عمل", "Emploi trouvé"),
        ("no_contact", "انقطاع التواصل", "Plus de contact"),
        ("other", "سبب آخر", "Autre raison"),
    ),
}

#: (code, Arabic, French, weight, max score): the default initial assessment sheet.
DEFAULT_CRITERIA = (
    ("motivation", "حافز صاحبة المشروع والتزامها", "Motivation et engagement de la porteuse", 3, 5),
    ("relevance", "وضوح فكرة المشروع وملاءمتها", "Clarté et pertinence de l'idée", 2, 5),
    ("market", "وجود سوق للمنتوج أو الخدمة", "Existence d'un marché", 2, 5),
    ("skills", "المهارات والخبرة المرتبطة بالمشروع", "Compétences et expérience liées au projet", 2, 5),
    ("resources", "الموارد والمساهمة الذاتية", "Ressources et apport personnel", 1, 5),
)


def _read(model, programme: Programme, query, rows: list[dict], *where) -> list:
    """The grid's rows; the first reader of a programme without them writes its defaults. Reads first, so the
    usual page asks one query, not two."""
    found = list(db.session.scalars(query))
    if found:
        return found
    exists = db.session.scalar(sa.select(model.id).where(model.programme_id == programme.id, *where).limit(1))
    if exists is None:
        try:  # in a savepoint: a concurrent first reader may have written them a moment ago
            with db.session.begin_nested():
                db.session.add_all(model(programme_id=programme.id, **row) for row in rows)
        except IntegrityError:
            pass
    return list(db.session.scalars(query))


def stages(programme: Programme) -> list[MentoringStage]:
    query = sa.select(MentoringStage).where(MentoringStage.programme_id == programme.id)
    return _read(MentoringStage, programme, query.order_by(MentoringStage.position),
                 [dict(position=i, code=code, name_ar=ar, name_fr=fr)
                  for i, (code, ar, fr) in enumerate(DEFAULT_STAGES, 1)])


def reasons(programme: Programme, kind: ReasonKind, retired: bool = False) -> list[ReasonCode]:
    """The reasons staff are offered; with `retired`, also those an admin withdrew (for the admin's page)."""
    query = sa.select(ReasonCode).where(ReasonCode.programme_id == programme.id, ReasonCode.kind == kind)
    if not retired:
        query = query.where(ReasonCode.active.is_(True))
    return _read(ReasonCode, programme, query.order_by(ReasonCode.position, ReasonCode.id),
                 [dict(kind=kind, position=i, code=code, name_ar=ar, name_fr=fr)
                  for i, (code, ar, fr) in enumerate(DEFAULT_REASONS[kind], 1)], ReasonCode.kind == kind)


def criteria(programme: Programme) -> list[AssessmentCriterion]:
    query = sa.select(AssessmentCriterion).where(AssessmentCriterion.programme_id == programme.id)
    return _read(AssessmentCriterion, programme, query.order_by(AssessmentCriterion.position),
                 [dict(position=i, code=code, name_ar=ar, name_fr=fr, weight=w, max_score=m)
                  for i, (code, ar, fr, w, m) in enumerate(DEFAULT_CRITERIA, 1)])
