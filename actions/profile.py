"""The pupil profile by chat: "jeg liker best å lære med video", "Emma trenger opplesing",
"vi har ikke PC hjemme", "hva står i profilen min?".

What the message says about the profile is read by fixed words (:mod:`bot.profile_phrases`),
never guessed: a message that names nothing the profile holds changes nothing and is
answered as what it likely was. A change is always asked first ("Skal jeg notere at Emma
trenger opplesing? Svar ja eller nei."), made through :mod:`bot.services.profile` only after
a yes, said back exactly, and undone by "angre" (the service records it for undo).
"""

from __future__ import annotations

from typing import Any

from actions import _runtime
from actions._base import REGISTRY, RanselAction, Turn, about, about_school, ask_confirm, reroute, resolve_pupil
from bot.models import Person, Role
from bot.phrases import absence_cue, is_question
from bot.profile import InvalidProfileValue
from bot.profile_phrases import ProfileRequest, asks_about_profile, profile_request
from bot.services import profile as service

KIND = "profile"


class SetProfileAction(RanselAction):
    def name(self) -> str:
        return "action_set_profile"

    def respond(self, turn: Turn) -> None:
        request = profile_request(turn.text)
        if request is not None and is_question(turn.text) and asks_about_profile(turn.text):
            request = None  # "har du skrevet ned at Ola har dysleksi?" asks what is noted
        if request is None:
            if asks_about_profile(turn.text):
                ShowProfileAction().respond(turn)
            elif Role.GUARDIAN in turn.roles and absence_cue(turn.text) and not is_question(turn.text):
                # "Mats er syk denne uka": an absence report (asked before anything is saved).
                REGISTRY["action_report_absence"]().respond(turn)
            else:
                reroute(turn, about_school=about_school(turn))
            return
        pupil = resolve_pupil(turn, self.name())
        if pupil is None:
            return
        plan = service.plan_field(turn.session, turn.person, pupil.id, request.key, turn.clock)
        if not plan.allowed:
            turn.say("profile_not_allowed", key=request.key, **about(turn, pupil))
            return
        value = request.applied_to(plan.counted) if request.is_list_change else request.value
        if value == plan.mine:
            turn.say("profile_saved", request=request, changed=False, **about(turn, pupil))
            return
        ask_confirm(turn, KIND, {"pupil_id": pupil.id, "request": request.to_data(), "value": value},
                    "confirm_profile", request=request, **about(turn, pupil))


def apply(turn: Turn, data: dict[str, Any]) -> None:
    """Note the change (after a yes) and say exactly what was noted."""
    request = ProfileRequest.from_data(data["request"])
    try:
        saved = service.set_field(turn.session, turn.person, int(data["pupil_id"]), request.key, data["value"],
                                  turn.clock)
    except service.NotYours:
        pupil = turn.session.get_one(Person, int(data["pupil_id"]))
        turn.say("profile_not_allowed", key=request.key, **about(turn, pupil))
        return
    except InvalidProfileValue:
        turn.say("help")
        return
    turn.say("profile_saved", request=request, changed=saved.changed, **about(turn, saved.pupil))


class ShowProfileAction(RanselAction):
    def name(self) -> str:
        return "action_show_profile"

    def respond(self, turn: Turn) -> None:
        if not asks_about_profile(turn.text):
            reroute(turn, about_school=about_school(turn))
            return
        pupil = resolve_pupil(turn, self.name())
        if pupil is None:
            return
        view = service.view(turn.session, turn.person, pupil.id, turn.clock, turn.language)
        fields = [{"key": f.key, "value": f.counted.value, "source": f.counted.source, "computed": f.counted.computed,
                   "set_by": f.counted.set_by, "set_at": f.counted.set_at.astimezone(turn.clock.zone)}
                  for f in view.fields if f.counted is not None]
        url = f"{_runtime.get().settings.public_base_url.rstrip('/')}/profile/{pupil.id}"
        turn.say("profile_summary", fields=fields, url=url, **about(turn, pupil))
