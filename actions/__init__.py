"""Ransel's rasa-sdk action server: thin actions over ``bot`` services.

Run with ``ransel actions serve`` (``python -m rasa_sdk --actions actions``). Each module
holds one feature's actions; :mod:`actions._base` verifies who is asking and renders.
"""

import warnings

from bot import logs

logs.install()  # the action server's exception logs, scrubbed like the other services'

# rasa-sdk 3.6 stops at Python 3.10; the app env is 3.11, so it runs rasa-sdk 3.21, whose
# action protocol (the webhook's request and response JSON) is the one Rasa 3.6 speaks. The
# end-to-end tests drive the real engine against this server. rasa-sdk warns on every call
# that the minor versions differ; once per process is not worth a log line per turn.
warnings.filterwarnings("ignore", message="Your versions of rasa and rasa_sdk", category=UserWarning)

# Every action, so that any import of the package knows every action by name (resuming a
# question after "which child?", rerouting a mistaken state change). rasa-sdk finds the same
# classes itself when it imports the package.
from actions import (  # noqa: E402 - after the warning filter above
    absence,
    bring,
    calendar,
    children,
    classes,
    confirm,
    fallback,
    homework,
    orders,
    practice,
    profile,
    progress,
    reminders,
    smalltalk,
    teacher,
    teachers,
    timetable,
)
from actions._base import REGISTRY, RanselAction  # noqa: E402

ACTIONS: list[type[RanselAction]] = [
    absence.ReportAbsenceAction,
    bring.BringAction,
    calendar.CalendarFeedAction,
    calendar.CalendarRevokeAction,
    children.ChooseChildAction,
    classes.StaffQuestionAction,
    classes.ClassInfoAction,
    confirm.ConfirmAction,
    confirm.UndoAction,
    confirm.ChooseLanguageAction,
    fallback.FallbackAction,
    homework.HomeworkAction,
    homework.TestsAction,
    orders.BroadcastOrderAction,
    orders.BroadcastStatusAction,
    orders.BroadcastResendAction,
    orders.AssignmentOrderAction,
    orders.AssignmentChangeAction,
    practice.PracticeAction,
    profile.SetProfileAction,
    profile.ShowProfileAction,
    progress.ProgressAction,
    progress.MissingResultsAction,
    reminders.RemindersAction,
    smalltalk.GreetAction,
    smalltalk.HelpAction,
    smalltalk.ThanksAction,
    smalltalk.GoodbyeAction,
    smalltalk.OutOfScopeAction,
    teacher.AskRelayPupilAction,
    teacher.AskRelayTextAction,
    teacher.SendRelayAction,
    teacher.AnswerQuestionAction,
    teacher.RelayFromMessageAction,
    teachers.WhoTeachesAction,
    timetable.TimetableAction,
    timetable.WeekPlanAction,
]
REGISTRY.update({action().name(): action for action in ACTIONS})
