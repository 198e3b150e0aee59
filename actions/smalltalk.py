"""Greeting, help, thanks, goodbye, and questions Ransel is not for."""

from __future__ import annotations

from actions._base import RanselAction, Turn, example_names
from actions._items import answers_a_named_item
from bot.models import Role


def role_of(turn: Turn) -> str:
    """Which examples to offer: a teacher's, a guardian's or a pupil's."""
    if Role.TEACHER in turn.roles:
        return "teacher"
    if Role.GUARDIAN in turn.roles:
        return "guardian"
    return "pupil"


class GreetAction(RanselAction):
    def name(self) -> str:
        return "action_greet"

    def respond(self, turn: Turn) -> None:
        turn.say("greet", given_name=turn.person.given_name, role=role_of(turn), **example_names(turn))


class HelpAction(RanselAction):
    def name(self) -> str:
        return "action_help"

    def respond(self, turn: Turn) -> None:
        # "When is Alma's fractions test?" taken for a request for help: a thing it names is
        # the question.
        if answers_a_named_item(turn):
            return
        turn.say("help", role=role_of(turn), **example_names(turn))


class ThanksAction(RanselAction):
    def name(self) -> str:
        return "action_thanks"

    def respond(self, turn: Turn) -> None:
        turn.say("thanks")


class GoodbyeAction(RanselAction):
    def name(self) -> str:
        return "action_goodbye"

    def respond(self, turn: Turn) -> None:
        turn.say("goodbye")


class OutOfScopeAction(RanselAction):
    def name(self) -> str:
        return "action_out_of_scope"

    def respond(self, turn: Turn) -> None:
        turn.say("out_of_scope", role=role_of(turn), **example_names(turn))
