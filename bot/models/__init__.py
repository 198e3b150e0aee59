"""Ransel's data model (SQLAlchemy 2, typed). Import models from here."""

from .assignments import Assignment, Result, assignment_aims
from .base import (
    AssignmentKind,
    Base,
    Channel,
    DeliveryMode,
    Dimension,
    EventKind,
    Form,
    GroupKind,
    MemberRole,
    Role,
    ScoreStatus,
    SessionKind,
    Source,
    UTCDateTime,
)
from .changes import Change
from .contact import (
    ApiToken,
    CategoryPreference,
    Consent,
    ContactPoint,
    LinkCode,
    NotificationPreference,
)
from .curriculum import CompetenceAim, GradeBand, Subject
from .learning import LearningPolicy, ResourceOutcome
from .messaging import Absence, AbsenceReason, ProcessedInbound, Thread, ThreadMessage, WebNotice
from .org import AcademicSession, Group, Membership, Owner, School
from .outbox import OutboxMessage, OutboxStatus
from .people import Guardianship, OidcLogin, Person, PersonIdentifier, PersonRole
from .privacy import DeletionRequest
from .profile import AimStatus, ProfileHistory, ProfileSetting, SubjectStatus
from .resources import Activity, LearningResource, Review, resource_aims
from .roster import AssignmentCategory, Course
from .scheduling import Audience, Broadcast, BroadcastScope, DeliveryEvent, ReminderRuleSet
from .security import AttemptCounter, PhonePin
from .timetable import CalendarEvent, GearRule, Lesson, SchoolBreak

__all__ = [name for name in dir() if not name.startswith("_")]
