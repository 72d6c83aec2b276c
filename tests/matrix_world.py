"""The world of the route × role matrix (tests/test_route_matrix.py): one signed-in user per role, and for every
kind of object a URL can name, one object inside each role's scope and one outside it.

Built once per test module with the factories of tests/conftest.py and the services themselves, so every object
is in a state the app could have reached. The scopes are written here from PRODUCT.md, not read from
jisr/authz.py: the matrix checks the app against them.

    province    Errachidia (E) and Zagora (Z); the incubator I1 covers E, I2 covers Z
    applicant   F1 (sent, routed to I1, in mentoring at the business plan with mentor M1, documents, convocation
                in session S1, a financing decision) and her draft D1 (another programme, P2)
    agent       (E) registered U1 (draft D_ag) and U2 (sent S_ag, I1, accepted, mentor M1, convened in S1), and
                U4 in Midelt before Midelt was taken from her; another agent of E registered U3 (draft D_g2)
    manager     of I1; she was the representative of AA_sel, the association that became I1
    mentor      M1 of I1; F3 is I1's too, with another mentor, convened in S3 (by the manager)
    coordinator of E; reviewer of AA_sub (another reviews AA_other); she and the admin each have a files export
    outsiders   F2 (Z, I2, in mentoring, session S2, financing decision) and its owner's draft D2
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

ANON, APPLICANT, AGENT, REP, MANAGER, MENTOR, COORD, ADMIN = ROLES = (
    "anonymous", "applicant", "agent", "representative", "incubator_manager", "mentor", "coordinator", "admin")
#: An identifier no object has: what an admin (whose scope is everything) gets for "outside".
MISSING = 999_999

#: The files (by name) inside each role's scope, from PRODUCT.md; every other file is outside.
FILES_IN_SCOPE = {
    ANON: set(),
    APPLICANT: {"F1", "D1"},
    AGENT: {"D_ag", "S_ag"},
    REP: set(),
    MANAGER: {"F1", "F3", "S_ag"},
    MENTOR: {"F1", "S_ag"},
    COORD: {"F1", "F3", "S_ag", "D1", "D_ag", "D_g2"},
    ADMIN: {"F1", "F2", "F3", "S_ag", "D1", "D2", "D_ag", "D_g2"},
}
#: The associations' applications (by name) each role may read.
ASSOCIATIONS_IN_SCOPE = {
    ANON: set(), APPLICANT: set(), AGENT: set(), MENTOR: set(),
    REP: {"AA_draft"},
    MANAGER: {"AA_sel"},
    COORD: {"AA_sub"},
    ADMIN: {"AA_draft", "AA_sub", "AA_other", "AA_sel"},
}


#: Kinds of child objects that have, for some roles, a "sibling": inside her scope, but another parent's (the
#: document of another of her files...). The route must check that the child is the parent's, not only that both
#: are hers. Known before the world exists, so that the cases can be collected.
SIBLING_ROLES = {
    "file_document": {APPLICANT, AGENT, MANAGER, MENTOR, COORD, ADMIN},
    "draft_document": {APPLICANT, AGENT, ADMIN},
    "convocation": {MANAGER, MENTOR, ADMIN},
    "session_convocation": {MANAGER, ADMIN},
}


@dataclass
class World:
    users: dict[str, int]  # role -> the id of the user signed in as that role
    tokens: dict[str, str]  # role -> her API token
    kinds: dict[str, dict[str, tuple]]  # kind of object -> role (or "*") -> (inside, outside)
    siblings: dict[str, dict[str, int]]  # kind -> role -> inside her scope, but another parent's (SIBLING_ROLES)
    secrets: dict[str, tuple[str, ...]]  # role -> strings (names, references) no answer to her may contain

    def value(self, kind: str, role: str, where: str):
        if where == "sibling":
            return self.siblings[kind][role]
        pairs = self.kinds[kind]
        inside, outside = pairs.get(role, pairs["*"])
        return inside if where == "in" else outside


def png_bytes() -> bytes:
    from journey import png_bytes as png

    return png()


def build(fx) -> World:
    """`fx` carries the conftest fixtures: db, province, programme, make_programme, make_user, make_file,
    make_incubator, make_call, make_association."""
    from jisr.agents import services as agents
    from jisr.api import tokens
    from jisr.applications.models import Application, Status, StatusChange
    from jisr.auth import invitations
    from jisr.auth.models import Role
    from jisr.calls import selection
    from jisr.calls.models import AssociationDocument
    from jisr.documents import storage
    from jisr.documents.models import Document
    from jisr.geo.models import Sector
    from jisr.programmes.admin import GRIDS
    from jisr.rights import erasure
    from jisr.routing import services as routing
    from jisr.stats import export_jobs
    from jisr.workspace import grids, outcomes, sessions
    from jisr.workspace import services as workspace
    from jisr.workspace.models import ReasonKind

    db, province, user = fx.db, fx.province, fx.make_user
    errachidia, zagora = province("errachidia"), province("zagora")
    p1 = fx.programme
    p2 = fx.make_programme(code="matrix-p2", name_fr="Jisr, deuxième édition",
                           opens_on=date.today() - timedelta(days=5))
    for programme in (p1, p2):  # the grids exist before any page reads them
        grids.stages(programme), grids.criteria(programme)
        for kind in ReasonKind:
            grids.reasons(programme, kind)

    i1 = fx.make_incubator(provinces=("errachidia",))
    i2 = fx.make_incubator(provinces=("zagora",))
    manager = user(role="incubator_manager", incubator_id=i1.id, full_name="Mx Manager")
    mentor = user(role="mentor", incubator_id=i1.id, full_name="Mx Mentor")
    other_mentor = user(role="mentor", incubator_id=i1.id)
    manager2 = user(role="incubator_manager", incubator_id=i2.id)
    mentor2 = user(role="mentor", incubator_id=i2.id)
    coordinator = user(role="coordinator", provinces=[errachidia], full_name="Mx Coordinator")
    coordinator2 = user(role="coordinator", provinces=[zagora])
    agent = user(role="agent", provinces=[errachidia], full_name="Mx Agent")
    agent2 = user(role="agent", provinces=[errachidia])
    admin = user(role="admin", full_name="Mx Admin")
    representative = user(role="representative", email="mx-rep@example.org", full_name="Mx Representative")

    files: dict[str, Application] = {}
    markers: dict[str, list[str]] = {}

    def mark(name: str, application: Application) -> Application:
        """Distinctive strings: a page that shows them to someone outside the file's scope leaks it."""
        applicant = application.applicant
        applicant.full_name = f"Mx {name} Person"
        markers[name] = [applicant.full_name]
        if application.reference is not None:
            application.reference = f"MX-{name}-REF"
            markers[name].append(application.reference)
        from jisr.applications.services import profile_for

        profile = profile_for(applicant)
        if profile.last_name_latin:
            profile.last_name_latin = f"Mx{name.replace('_', '')}secret"
            markers[name].append(profile.last_name_latin)
        files[name] = application
        db.session.commit()
        return application

    def sent(name: str, province_code: str = "errachidia", **user_fields) -> Application:
        application = fx.make_file(province_code=province_code, **user_fields)
        return mark(name, application)

    def draft(name: str, owner, programme, where) -> Application:
        application = Application(programme_id=programme.id, applicant_id=owner.id, status=Status.DRAFT,
                                  province_id=where.id)
        application.history.append(StatusChange(to_status=Status.DRAFT))
        db.session.add(application)
        db.session.commit()
        files[name] = application
        return application

    def routed(application: Application) -> Application:
        routing.route(application)
        db.session.commit()
        return application

    def accepted(application: Application, by, mentor_):
        workspace.start_review(application, by)
        workspace.accept(application, by)
        workspace.assign_mentor(application, by, mentor_.id)
        db.session.commit()

    def in_mentoring(application: Application, by, mentor_, stage: str = "business_plan"):
        accepted(application, by, mentor_)
        workspace.start_mentoring(application, by)
        codes = [s.code for s in grids.stages(application.programme)]
        for _ in range(codes.index(stage)):
            workspace.move_stage(application, by, "forward", None)
        db.session.commit()

    # -- files -------------------------------------------------------------------------------------------
    f1 = routed(sent("F1"))
    applicant = f1.applicant
    in_mentoring(f1, manager, mentor)
    draft("D1", applicant, p2, errachidia)
    f2 = routed(sent("F2", "zagora"))
    in_mentoring(f2, manager2, mentor2)
    draft("D2", f2.applicant, p2, zagora)
    f3 = routed(sent("F3"))
    accepted(f3, manager, other_mentor)

    u1, d_ag = agents.register_applicant(agent, "U1", "+212611110001", None, errachidia.id, "fr")
    db.session.commit()
    mark("D_ag", d_ag)
    s_ag = sent("S_ag", registered_by_id=agent.id)
    s_ag.created_by_id = agent.id
    db.session.commit()
    routed(s_ag)
    accepted(s_ag, manager, mentor)
    u3, d_g2 = agents.register_applicant(agent2, "U3", "+212611110003", None, errachidia.id, "fr")
    db.session.commit()
    mark("D_g2", d_g2)
    # Someone the agent registered in Midelt, before an admin took Midelt from her: still on her list (by design,
    # so not a secret), no longer hers to act for.
    midelt = province("midelt")
    agent.provinces = [errachidia, midelt]
    u4, _d_u4 = agents.register_applicant(agent, "U4", "+212611110004", None, midelt.id, "fr")
    agent.provinces = [errachidia]
    db.session.commit()
    assert {f1.incubator_id, f3.incubator_id, s_ag.incubator_id, f2.incubator_id} == {i1.id, i2.id}

    documents = {}
    for name, application in files.items():
        stored = storage.save(png_bytes(), db.session())
        document = Document(application_id=application.id, kind="id_card", original_name=f"{name}.png",
                            stored_name=stored.name, content_type="image/png", size=stored.size,
                            sha256=stored.sha256, uploaded_by_id=application.applicant_id)
        db.session.add(document)
        db.session.commit()
        documents[name] = document.id

    # -- sessions, convocations, financing ---------------------------------------------------------------
    tomorrow = date.today() + timedelta(days=2)

    def convene(by, chosen):
        found = sessions.convene(by, [a.id for a in chosen], day=tomorrow, at=time(10), duration_minutes=60,
                                 mode="in_person", place="12 rue Zerktouni", topic="Atelier", bring="")
        db.session.commit()
        return found, {c.application_id: c.id for c in found.convocations}

    s1, conv1 = convene(mentor, [f1, s_ag])
    s2, conv2 = convene(manager2, [f2])
    s3, conv3 = convene(manager, [f3])
    convocation = {"F1": conv1[f1.id], "S_ag": conv1[s_ag.id], "F2": conv2[f2.id], "F3": conv3[f3.id]}

    def financing(application, by):
        found = outcomes.save_financing(application, by, None, dict(
            commission_on=date.today() - timedelta(days=1), decision="approved", amount=Decimal("50000"),
            source="honour_loan", note=None))
        db.session.commit()
        return found.id

    fd1, fd2 = financing(f1, manager), financing(f2, manager2)

    # -- calls, associations, reviews --------------------------------------------------------------------
    call = fx.make_call()
    associations = {}
    association_markers = {}

    def association(name, representative_, **fields):
        found = fx.make_association(call, representative=representative_, legal_name_fr=f"Mx {name} Association",
                                    **fields)
        associations[name] = found
        association_markers[name] = [found.legal_name_fr]
        stored = storage.save(png_bytes(), db.session())
        db.session.add(AssociationDocument(association_application_id=found.id, kind="statutes",
                                           original_name=f"{name}.png", stored_name=stored.name,
                                           content_type="image/png", size=stored.size, sha256=stored.sha256,
                                           uploaded_by_id=representative_.id))
        db.session.commit()
        return found

    association("AA_draft", representative)
    aa_sub = association("AA_sub", user(role="representative", email="mx-rep2@example.org"), status="submitted")
    aa_other = association("AA_other", user(role="representative", email="mx-rep3@example.org"), status="submitted")
    association("AA_sel", manager, status="selected", incubator_id=i1.id)
    review_c = selection.assign(aa_sub, coordinator, admin)
    review_a = selection.assign(aa_sub, admin, admin)
    review_c2 = selection.assign(aa_other, coordinator2, admin)
    db.session.commit()
    association_documents = {name: db.session.scalar(sa.select(AssociationDocument.id).where(
        AssociationDocument.association_application_id == found.id)) for name, found in associations.items()}

    # -- invitations, tokens, erasure requests --------------------------------------------------------------
    invitation1 = invitations.invite_mentor(i1, manager, "Mx Invitee One", "+212622220001", None, "fr")
    invitation2 = invitations.invite_mentor(i2, manager2, "Mx Invitee Two", "+212622220002", None, "fr")
    invitation_admin = invitations.invite(admin, Role.COORDINATOR, "Mx Invitee Three", "+212622220003", None, "fr",
                                          provinces=[errachidia])
    erasure_request = erasure.request_erasure(user(full_name="Mx Erasure Person"))
    db.session.commit()

    users = {APPLICANT: applicant, AGENT: agent, REP: representative, MANAGER: manager, MENTOR: mentor,
             COORD: coordinator, ADMIN: admin}
    secrets_, token_ids = {}, {}
    for role, someone in users.items():
        found, secrets_[role] = tokens.create(someone, "matrix")
        token_ids[role] = found.id
    db.session.commit()

    # Files exports, each prepared as its job would (in place: no queue here), for the two roles that export.
    exported = {}
    for someone in (coordinator, admin):
        export, _new = export_jobs.ask(someone, "csv", False)
        db.session.commit()
        export_jobs.run(export.id)
        exported[someone.id] = export.id

    stage1, stage2 = (GRIDS["stages"].rows(p)[0].id for p in (p1, p2))
    handicrafts = db.session.scalar(sa.select(Sector.id).where(Sector.code == "handicrafts"))

    ids = {name: application.id for name, application in files.items()}
    doc = documents
    aa = {name: found.id for name, found in associations.items()}
    adoc = association_documents
    kinds = {
        # A sent file; its documents, convocations and financing decisions.
        "file": {"*": (ids["F1"], ids["F2"]), AGENT: (ids["S_ag"], ids["F1"]), MENTOR: (ids["F1"], ids["F3"]),
                 ADMIN: (ids["F1"], MISSING)},
        "file_document": {"*": (doc["F1"], doc["F2"]), AGENT: (doc["S_ag"], doc["F1"]),
                          MENTOR: (doc["F1"], doc["F3"]), ADMIN: (doc["F1"], MISSING)},
        "convocation": {"*": (convocation["F1"], convocation["F2"]), AGENT: (convocation["S_ag"], convocation["F1"]),
                        MENTOR: (convocation["F1"], convocation["F3"]), ADMIN: (convocation["F1"], MISSING)},
        "financing": {"*": (fd1, fd2), ADMIN: (fd1, MISSING)},
        # A draft and its documents.
        "draft": {"*": (ids["D1"], ids["D2"]), AGENT: (ids["D_ag"], ids["D_g2"]), ADMIN: (ids["D1"], MISSING)},
        "draft_document": {"*": (doc["D1"], doc["D2"]), AGENT: (doc["D_ag"], doc["D_g2"]),
                           ADMIN: (doc["D1"], MISSING)},
        # Sessions and the convocations they hold.
        "session": {"*": (s1.id, s2.id), MENTOR: (s1.id, s3.id), ADMIN: (s1.id, MISSING)},
        "session_convocation": {"*": (convocation["F1"], convocation["F2"]),
                                MENTOR: (convocation["F1"], convocation["F3"]), ADMIN: (convocation["F1"], MISSING)},
        # The people an agent registered.
        "person": {"*": (u1.id, u4.id)},
        # Calls are public: "outside" is one that does not exist.
        "call": {"*": (call.id, MISSING)},
        "association": {"*": (aa["AA_sub"], aa["AA_other"]), REP: (aa["AA_draft"], aa["AA_other"]),
                        MANAGER: (aa["AA_sel"], aa["AA_other"]), ADMIN: (aa["AA_sub"], MISSING)},
        "association_document": {"*": (adoc["AA_sub"], adoc["AA_other"]), REP: (adoc["AA_draft"], adoc["AA_other"]),
                                 MANAGER: (adoc["AA_sel"], adoc["AA_other"]), ADMIN: (adoc["AA_sub"], MISSING)},
        # A reviewer's own review; a review of the "association" above (for removing its reviewer).
        "review": {"*": (review_c.id, review_c2.id), ADMIN: (review_a.id, review_c.id)},
        "association_review": {"*": (review_c.id, review_c2.id)},
        "incubator_invitation": {"*": (invitation1.id, invitation2.id)},
        "invitation": {"*": (invitation_admin.id, MISSING)},
        "token": {"*": (token_ids[APPLICANT], token_ids[ADMIN]),
                  **{role: (token_ids[role], token_ids[APPLICANT if role != APPLICANT else ADMIN]) for role in users}},
        "erasure_request": {"*": (erasure_request.id, MISSING)},
        "export": {"*": (exported[coordinator.id], exported[admin.id]),
                   ADMIN: (exported[admin.id], exported[coordinator.id])},
        "user": {"*": (applicant.id, MISSING)},
        "programme": {"*": (p1.id, MISSING)},
        "grid_item": {"*": (stage1, stage2)},
        "sector": {"*": (handicrafts, MISSING)},
        "place": {"*": (errachidia.id, MISSING)},
    }

    siblings = {
        "file_document": {APPLICANT: doc["D1"], AGENT: doc["D_ag"], MANAGER: doc["F3"], MENTOR: doc["S_ag"],
                          COORD: doc["F3"], ADMIN: doc["F3"]},
        "draft_document": {APPLICANT: doc["F1"], AGENT: doc["S_ag"], ADMIN: doc["F1"]},
        "convocation": {MANAGER: convocation["F3"], MENTOR: convocation["S_ag"], ADMIN: convocation["F3"]},
        "session_convocation": {MANAGER: convocation["F3"], ADMIN: convocation["F3"]},  # F3's is in S3
    }
    assert {kind: set(found) for kind, found in siblings.items()} == SIBLING_ROLES

    secrets = {}
    for role in ROLES:
        shown = {m for name in FILES_IN_SCOPE[role] for m in markers.get(name, [])}
        shown |= {m for name in ASSOCIATIONS_IN_SCOPE[role] for m in association_markers[name]}
        hidden = {m for ms in markers.values() for m in ms} | {m for ms in association_markers.values() for m in ms}
        secrets[role] = tuple(sorted(hidden - shown))
    return World(users={role: u.id for role, u in users.items()}, tokens=secrets_, kinds=kinds, siblings=siblings,
                 secrets=secrets)
