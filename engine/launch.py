"""Runs the Rasa CLI (``rasa run``) with one performance fix; executed by the engine env.

Rasa 3.6 checks every action server response with ``jsonschema.validate(result, schema)``,
which first re-validates the large, constant events schema against the JSON Schema
meta-schema: measured here at ~49 ms per action call, 38 ms of it on the constant schema,
against 0.7 ms with a validator built once. Ransel calls a custom action on every turn, so
that one line was the biggest single cost of a turn. The replacement validates the same
response against the same schema and raises the same ValidationError with Rasa's message.

Usage (bot/engine.py does this): ``<engine env>/bin/python engine/launch.py run ...``.
"""

from __future__ import annotations

import sys
from typing import Any


def _install_cached_action_validation() -> None:
    from jsonschema import ValidationError, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, at start
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result


if __name__ == "__main__":
    _install_cached_action_validation()
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    sys.exit(main())
