"""Imports every feature's models so metadata (and Alembic) sees all tables."""

from jisr.api.models import ApiToken  # noqa: F401
from jisr.applications.models import (  # noqa: F401
    ApplicantProfile,
    Application,
    Consent,
    PriorTraining,
    ProjectMember,
    ReferenceCounter,
    StatusChange,
)
from jisr.audit.models import AuditEntry  # noqa: F401
from jisr.auth.models import Invitation, PasswordResetCode, SignInLock, User  # noqa: F401
from jisr.calls.models import (  # noqa: F401
    AssociationApplication,
    AssociationDocument,
    AssociationReview,
    AssociationTeamMember,
    Call,
    CallCriterion,
    ReviewScore,
)
from jisr.documents.models import Document  # noqa: F401
from jisr.geo.models import Province, Region, Sector  # noqa: F401
from jisr.incubators.models import Incubator  # noqa: F401
from jisr.outbox.models import OutboxMessage  # noqa: F401
from jisr.programmes.models import ConsentText, Programme  # noqa: F401
from jisr.rights.models import ErasureRequest  # noqa: F401
from jisr.routing.models import RoutingDecision  # noqa: F401
from jisr.stats.models import ApplicationFact, ExportRequest, FunnelCount, FunnelDelta  # noqa: F401
from jisr.workspace.models import (  # noqa: F401
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    Convocation,
    DuplicateResolution,
    FinancingDecision,
    InfoRequest,
    MentoringSession,
    MentoringStage,
    Outcome,
    OutcomeRevision,
    ReasonCode,
    StageEntry,
)
