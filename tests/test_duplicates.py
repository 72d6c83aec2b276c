"""Possible duplicates: the name matcher on real Maghrebi name pairs in both scripts, then the database side
(candidates, verdicts on a pair, a fixed number of queries)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from jisr.applications.models import ApplicantProfile, Status
from jisr.audit.models import AuditEntry
from jisr.workspace.duplicate_services import Reason, Verdict, possible_duplicates, resolve
from jisr.workspace.duplicates import PersonNames, names_match, normalize_arabic, same_name
from jisr.workspace.models import DuplicateResolution

# -- the matcher -----------------------------------------------------------------------------------------

SAME_FIRST_NAMES = [
    ("فاطمة الزهراء", "Fatima-Zahra"), ("Fatima Zahra", "Fatimazahra"), ("Fatima Ezzahra", "Fatima Zahra"),
    ("Fatima El Zahra", "Fatima-Ezzahra"), ("فاطمة الزهراء", "Fatima Ezzahra"), ("فاطمةالزهراء", "فاطمة الزهرة"),
    ("Fatima", "Fatema"), ("Fatima", "Fatimah"), ("Fatima", "Fatma"), ("فاطمه", "Fatima"),
    ("Mohammed", "Mohamed"), ("Mohamed", "Muhammad"), ("Mohamed", "Mhamed"), ("مُحَمَّد", "Mohammed"),
    ("Ouafae", "Wafae"), ("Wafaa", "وفاء"), ("Ouafae", "وفاء"),
    ("Khadija", "Khadidja"), ("Khadiga", "خديجة"), ("Khadija", "خديجة"),
    ("Zineb", "Zaynab"), ("Zeinab", "زينب"), ("Zineb", "Zeinab"),
    ("Hajar", "Hadjar"), ("هاجر", "Hadjar"),
    ("Naima", "Naïma"), ("Naeema", "نعيمة"), ("Saida", "Saïda"), ("سعيدة", "Saida"),
    ("Rachida", "Rashida"), ("رشيدة", "Rachida"), ("Bouchra", "Bushra"), ("بشرى", "Bouchra"), ("بشري", "Bushra"),
    ("Meryem", "Maryam"), ("Mariam", "مريم"), ("Meryem", "مريم"),
    ("Aicha", "Aïcha"), ("Aisha", "عائشة"), ("Aicha", "عائشة"),
    ("إيمان", "Imane"), ("Hanane", "حنان"), ("Asmae", "أسماء"), ("Chaimae", "Shaimaa"), ("Soukaina", "سكينة"),
    ("Kaoutar", "كوثر"), ("Kawthar", "Kaoutar"), ("Fathia", "فتحية"), ("Othmane", "عثمان"),
    ("Ghizlane", "Rhizlane"), ("غزلان", "Ghizlane"), ("Yasmine", "ياسمين"), ("Ilham", "إلهام"), ("Elham", "Ilham"),
    ("Abdelkader", "عبد القادر"), ("Abderrahim", "عبد الرحيم"), ("Abdellah", "عبد الله"), ("Nezha", "Nouzha"),
    ("ليلى", "Laila"), ("Layla", "Leila"), ("Rkia", "رقية"), ("Rokaya", "رقية"), ("Hafida", "حفيظة"),
    ("Najat", "نجاة"), ("Hayat", "حياة"), ("الزهرة", "Zahra"), ("El Batoul", "البتول"), ("Ibtissam", "ابتسام"),
]

SAME_FAMILY_NAMES = [
    ("Alaoui", "El Alaoui"), ("Alaoui", "العلوي"), ("El Alaoui", "العلوي"), ("Elalaoui", "Alaoui"),
    ("Benali", "Ben Ali"), ("Benali", "بنعلي"), ("Ben Ali", "بن علي"), ("بنعلي", "بن علي"),
    ("Ouazzani", "الوزاني"), ("Elouazzani", "Wazzani"), ("El Idrissi", "الإدريسي"), ("Tazi", "التازي"),
    ("Bennani", "بناني"), ("Benjelloun", "بن جلون"), ("Ait Taleb", "آيت الطالب"), ("Aittaleb", "Ait Taleb"),
    ("Chraibi", "الشرايبي"), ("Fassi Fihri", "الفاسي الفهري"), ("Amrani", "العمراني"), ("Sqalli", "الصقلي"),
    ("Skalli", "Sqalli"), ("Cherkaoui", "الشرقاوي"), ("Echchaoui", "Chaoui"), ("Essaadi", "Saadi"),
    ("Ezzahraoui", "الزهراوي"), ("Ould Ahmed", "ولد أحمد"), ("Benyoussef", "Ben Youssef"), ("بن يوسف", "Benyoussef"),
    ("El Youssfi", "اليوسفي"), ("Ennaciri", "Naciri"), ("Lahlou", "لحلو"),
]

DIFFERENT_FIRST_NAMES = [
    ("Fatima", "Fatna"), ("فاطمة", "فاطنة"), ("Fatna", "فاطمة"), ("Khadija", "Hadia"), ("خديجة", "Hadia"),
    ("Amina", "Aminata"), ("Samira", "Samia"), ("سميرة", "Samia"), ("Amina", "Imane"), ("أمينة", "إيمان"),
    ("Amina", "إيمان"), ("Karim", "Karima"), ("Karima", "كريم"), ("Amine", "Amina"), ("Nadia", "Nada"),
    ("نادية", "ندى"), ("Nada", "نادية"), ("Malika", "Malak"), ("مليكة", "Malak"), ("Salma", "سليمة"),
    ("سلمى", "سليمة"), ("Samia", "Soumaya"), ("سامية", "سمية"), ("Yamina", "Amina"), ("يمينة", "Amina"),
    ("Hanae", "Hanane"), ("هناء", "Hanane"), ("Houda", "Hadia"), ("هدى", "Hadia"), ("Laila", "Lalla"),
    ("Chaima", "Chama"), ("Safae", "Safia"), ("صفاء", "Safia"), ("أسماء", "Samia"), ("Elham", "Hiam"),
    ("إلهام", "هيام"), ("Zineb", "Zina"), ("Sanaa", "Salma"), ("", "Fatima"), (None, "فاطمة"),
]

DIFFERENT_FAMILY_NAMES = [
    ("Alaoui", "Benali"), ("العلوي", "بنعلي"), ("Alaoui", "Alami"), ("العلوي", "العلمي"), ("Benali", "Ali"),
    ("Tazi", "Taziri"), ("Amrani", "Omrani"), ("Bennani", "Bennis"),
]


@pytest.mark.parametrize(("a", "b"), SAME_FIRST_NAMES)
def test_spellings_of_one_first_name_match(a, b):
    assert same_name(a, b) and same_name(b, a)


@pytest.mark.parametrize(("a", "b"), SAME_FAMILY_NAMES)
def test_spellings_of_one_family_name_match(a, b):
    assert same_name(a, b, family=True) and same_name(b, a, family=True)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_FIRST_NAMES)
def test_different_first_names_do_not_match(a, b):
    assert not same_name(a, b) and not same_name(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_FAMILY_NAMES)
def test_different_family_names_do_not_match(a, b):
    assert not same_name(a, b, family=True) and not same_name(b, a, family=True)


def test_arabic_normalisation():
    assert normalize_arabic("فَاطِمَة  الـزَّهْرَاء") == normalize_arabic("فاطمه الزهرا")
    assert normalize_arabic("أإآٱ") == "اااا"
    assert normalize_arabic("عائشة فؤاد بشرى") == "عايشه فواد بشري"


FATIMA_ZAHRA_ALAOUI = PersonNames("فاطمة الزهراء", "العلوي", "Fatima-Zahra", "Alaoui")


@pytest.mark.parametrize("other", [
    PersonNames("فاطمة الزهراء", "العلوي", "Fatima Ezzahra", "El Alaoui"),
    PersonNames(None, None, "Fatimazahra", "Elalaoui"),  # Latin only
    PersonNames("فاطمة الزهراء", "العلوي", None, None),  # Arabic only
    PersonNames(None, None, "Alaoui", "Fatima Zahra"),  # swapped between the fields
    PersonNames(None, None, "Fatima", "Zahra Alaoui"),  # compound split differently
    PersonNames("فاطمة", "الزهراء العلوي", None, None),
])
def test_one_person_written_differently_matches(other):
    assert names_match(FATIMA_ZAHRA_ALAOUI, other) and names_match(other, FATIMA_ZAHRA_ALAOUI)


@pytest.mark.parametrize("other", [
    PersonNames("فاطمة الزهراء", "بنعلي", "Fatima-Zahra", "Benali"),
    PersonNames("فاطمة", "العلوي", "Fatima", "Alaoui"),  # "Zahra" is part of her first name
    PersonNames(None, None, "Fatima-Zahra", None),  # no family name: nothing to compare
    PersonNames(),
])
def test_different_people_do_not_match(other):
    assert not names_match(FATIMA_ZAHRA_ALAOUI, other) and not names_match(other, FATIMA_ZAHRA_ALAOUI)


def test_the_arabic_spelling_tells_names_apart_that_latin_cannot():
    salma = PersonNames("سلمى", "التازي", "Salma", "Tazi")
    salima = PersonNames("سليمة", "التازي", "Salima", "Tazi")
    assert same_name("Salma", "Salima")  # in Latin script alone, a dropped short vowel
    assert not names_match(salma, salima)
    assert not names_match(salma._replace(first_ar=None), salima)  # سليمة has a long i that Salma lacks


def test_the_same_latin_spelling_overrides_an_arabic_variant():
    assert names_match(PersonNames("آمنة", "العلوي", "Amina", "Alaoui"),
                       PersonNames("أمينة", "العلوي", "Amina", "Alaoui"))
    # two Arabic spellings of Aicha, each confirmed by the other's Latin
    assert names_match(PersonNames("عائشة", "بناني", "Aicha", "Bennani"),
                       PersonNames("عيشة", "بناني", "Aisha", "Benani"))


# -- the database side -----------------------------------------------------------------------------------

def profile_of(db, application) -> ApplicantProfile:
    return db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == application.applicant_id))


def person(db, application, first_ar, last_ar, first_latin, last_latin, **fields):
    profile = profile_of(db, application)
    profile.first_name_ar, profile.last_name_ar = first_ar, last_ar
    profile.first_name_latin, profile.last_name_latin = first_latin, last_latin
    for key, value in fields.items():
        setattr(profile, key, value)
    db.session.commit()
    return application


@pytest.fixture
def fatima(db, make_file):
    return person(db, make_file(), "فاطمة الزهراء", "العلوي", "Fatima-Zahra", "Alaoui")


@pytest.fixture
def someone_else(db, make_file):
    """A different person born the same day (every make_file profile is born on 1990-01-01)."""
    counter = iter(range(1, 1000))

    def factory(**fields):
        n = next(counter)
        return person(db, make_file(), "خديجة", f"بناني{n}", "Khadija", f"Bennani{n}", **fields)

    return factory


def ids(matches):
    return [m.application.id for m in matches]


def test_same_birth_date_and_transliterated_name_is_flagged(db, make_file, fatima, someone_else):
    other = person(db, make_file(), None, None, "Fatima Ezzahra", "El Alaoui")
    someone_else()
    matches = possible_duplicates(fatima)
    assert ids(matches) == [other.id]
    assert matches[0].reasons == (Reason.NAME_AND_BIRTH_DATE,)
    assert matches[0].profile.last_name_latin == "El Alaoui"
    assert not matches[0].linked
    assert ids(possible_duplicates(other)) == [fatima.id]


def test_same_name_born_another_day_is_not_flagged(db, make_file, fatima):
    person(db, make_file(), "فاطمة الزهراء", "العلوي", "Fatima Zahra", "Alaoui", birth_date=date(1990, 1, 2))
    assert possible_duplicates(fatima) == []


def test_same_phone_is_flagged_whatever_the_name(db, make_file, fatima, someone_else):
    phone = profile_of(db, fatima).phone or fatima.applicant.phone
    by_profile = someone_else(birth_date=date(1985, 5, 5), phone=phone)
    # her account's phone given as another applicant's contact phone: found from both sides
    by_account = person(db, make_file(email="other@example.org"), "زينب", "التازي", "Zineb", "Tazi",
                        birth_date=date(1970, 3, 3))
    profile_of(db, fatima).phone = None
    profile_of(db, by_account).phone = fatima.applicant.phone
    db.session.commit()
    matches = possible_duplicates(fatima)
    assert ids(matches) == [by_profile.id, by_account.id]
    assert all(m.reasons == (Reason.PHONE,) for m in matches)


def test_name_and_phone_together_give_both_reasons(db, make_file, fatima):
    twin = person(db, make_file(), "فاطمة الزهراء", "العلوي", "Fatimazahra", "Alaoui", phone=fatima.applicant.phone)
    assert [m.reasons for m in possible_duplicates(fatima)] == [(Reason.NAME_AND_BIRTH_DATE, Reason.PHONE)]
    assert ids(possible_duplicates(fatima)) == [twin.id]


@pytest.mark.parametrize("status", [Status.REJECTED, Status.WITHDRAWN, Status.INELIGIBLE, Status.DROPPED_OUT,
                                    Status.DRAFT])
def test_a_closed_or_draft_file_is_not_another_active_file(db, make_file, fatima, status):
    person(db, make_file(status=status), "فاطمة الزهراء", "العلوي", "Fatima Zahra", "Alaoui")
    assert possible_duplicates(fatima) == []


def test_files_of_the_same_applicant_are_not_duplicates(db, make_file, fatima):
    assert possible_duplicates(fatima) == []  # her own profile is the closest match of all


def test_not_duplicate_verdict_hides_the_pair_from_both_files(db, make_file, fatima, make_user):
    other = person(db, make_file(), "فاطمة الزهراء", "العلوي", "Fatima Zahra", "Alaoui")
    manager = make_user(role="incubator_manager")
    resolution = resolve(other, fatima, "not_duplicate", manager, note="Sœurs jumelles")  # given from either side
    db.session.commit()
    assert (resolution.first_id, resolution.second_id) == (min(fatima.id, other.id), max(fatima.id, other.id))
    assert resolution.by_id == manager.id and resolution.note == "Sœurs jumelles"
    assert possible_duplicates(fatima) == [] and possible_duplicates(other) == []
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "duplicate.resolved"))
    assert (entry.object_id, entry.actor_id, entry.details) == (other.id, manager.id,
                                                                {"other": fatima.id, "verdict": "not_duplicate"})


def test_linked_pair_is_shown_as_linked_and_a_new_verdict_replaces_the_old(db, make_file, fatima, make_user):
    other = person(db, make_file(), "فاطمة الزهراء", "العلوي", "Fatima Zahra", "Alaoui")
    manager = make_user(role="incubator_manager")
    resolve(fatima, other, Verdict.NOT_DUPLICATE, manager)
    resolve(fatima, other, Verdict.LINKED, manager)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DuplicateResolution)) == 1
    [match] = possible_duplicates(fatima)
    assert match.linked and match.resolution.verdict == "linked" and match.reasons == (Reason.NAME_AND_BIRTH_DATE,)
    # a link is staff's decision: it stays when her name is corrected afterwards
    person(db, other, "مريم", "الإدريسي", "Meryem", "Idrissi")
    [match] = possible_duplicates(fatima)
    assert match.linked and match.reasons == ()


def test_resolve_refuses_an_unknown_verdict_or_a_file_with_itself(db, fatima, make_user):
    manager = make_user(role="incubator_manager")
    with pytest.raises(ValueError):
        resolve(fatima, fatima, "linked", manager)
    with pytest.raises(ValueError):
        resolve(fatima, fatima, "maybe", manager)


def count_queries(db, application) -> tuple[int, list]:
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        matches = possible_duplicates(application)
        for m in matches:  # what the file page shows: nothing more is loaded
            _ = (m.application.reference, m.application.status, m.application.programme.name_fr,
                 m.profile.first_name_ar, m.profile.birth_date, m.linked)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements), matches


def test_queries_do_not_grow_with_the_candidates(db, make_file, fatima, someone_else, make_user):
    manager = make_user(role="incubator_manager")
    first = person(db, make_file(), None, None, "Fatima Zahra", "Alaoui")
    resolve(fatima, first, "linked", manager)
    db.session.commit()
    fatima_id = fatima.id
    db.session.expire_all()
    fatima = db.session.get(type(fatima), fatima_id)
    few, matches = count_queries(db, fatima)
    assert len(matches) == 1

    for _ in range(6):
        person(db, make_file(), "فاطمة الزهراء", "العلوي", "Fatimazahra", "Elalaoui")
        someone_else()
    dismissed = person(db, make_file(), "فاطمة الزهراء", "العلوي", "Fatima Zahra", "Alaoui")
    resolve(fatima, dismissed, "not_duplicate", manager)
    someone_else(birth_date=date(1980, 1, 1), phone=fatima.applicant.phone)
    db.session.commit()
    db.session.expire_all()
    fatima = db.session.get(type(fatima), fatima_id)
    many, matches = count_queries(db, fatima)
    assert len(matches) == 8
    assert few == many == 3
