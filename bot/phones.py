"""Phone numbers: the one place a number is read (``phonenumbers``) and written in E.164."""

from __future__ import annotations

import phonenumbers

# Numbers without a +country prefix are Norwegian unless a school says otherwise.
DEFAULT_REGION = "NO"


def e164(number: str, region: str = DEFAULT_REGION) -> str | None:
    """A phone number in E.164 (``+4791234567``), or None when it is not a valid number
    (read in ``region`` unless it has a +prefix)."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(number: str, region: str = DEFAULT_REGION) -> bool:
    """Whether a valid number can take SMS (mobile, or a number that may be either)."""
    parsed = phonenumbers.parse(number, region)
    return phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
