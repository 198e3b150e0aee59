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

# Every action module, so that any import of the package knows every action by name
# (resuming a question after "which child?", rerouting a mistaken state change).
from actions import (  # noqa: E402,F401
    absence,
    bring,
    children,
    classes,
    confirm,
    fallback,
    homework,
    orders,
    practice,
    progress,
    reminders,
    smalltalk,
    teacher,
    teachers,
    timetable,
)
