"""Reading OneRoster userIds cells: {scheme:value} pairs, and what else a cell may hold."""

import pytest

from bot.services.identifiers import identifier_key, parse_user_ids


@pytest.mark.parametrize(("cell", "pairs", "broken"), [
    ("{Feide:liv@fjellby.kommune.no}", [("Feide", "liv@fjellby.kommune.no")], []),
    ("{Feide:liv@x.no},{NIN:01017012345}", [("Feide", "liv@x.no"), ("NIN", "01017012345")], []),
    (" { LDAP : cn=liv,ou=staff } , {Fed:0000}", [("LDAP", "cn=liv,ou=staff"), ("Fed", "0000")], []),
    ("Feide:liv@x.no", [], ["Feide:liv@x.no"]),
    ("{Feide:}", [], ["{Feide:}"]),
    ("{Feide:a@x.no},junk", [("Feide", "a@x.no")], ["junk"]),
])
def test_a_user_ids_cell_gives_its_pairs_and_names_what_is_not_one(cell: str, pairs: list, broken: list) -> None:
    parsed = parse_user_ids(cell)
    assert (parsed.pairs, parsed.broken) == (pairs, broken)


def test_feide_ids_are_one_whatever_their_case_and_other_schemes_keep_theirs() -> None:
    assert identifier_key("Feide", "Liv@Fjellby.no") == identifier_key("feide", "liv@fjellby.no")
    assert identifier_key("LDAP", "Liv") != identifier_key("LDAP", "liv")
