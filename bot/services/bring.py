"""What to bring on a day: bring-items, gear for lessons at special places, event gear."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import AssignmentKind, GearRule, Person
from bot.services.calendar import DayInfo
from bot.services.describe import things_in_title, things_of
from bot.services.due import due_items
from bot.services.pupils import school_of
from bot.services.timetable import day_schedule


@dataclass(frozen=True)
class BringItem:
    item_key: str | None  # catalog key (gym_clothes) ...
    text: str | None  # ... or the teacher's own words from a bring assignment
    because: str  # lesson, event, assignment
    subject_code: str | None = None
    place: str | None = None
    event_titles: dict[str, str] | None = None
    item_title: str | None = None  # the lineItem whose description lists it

    @property
    def identity(self) -> str:
        return self.item_key or (self.text or "").casefold()


@dataclass
class BringList:
    day: date
    info: DayInfo
    items: list[BringItem] = field(default_factory=list)


def bring_list(session: Session, asker: Person, pupil_id: int, day: date, clock: Clock) -> BringList:
    """Raises AccessDenied for a pupil the asker may not see."""
    schedule = day_schedule(session, asker, pupil_id, day, clock)
    school_id = school_of(session, pupil_id)
    gear: dict[str, list[str]] = {}
    if school_id is not None:
        for place, key in session.execute(
            select(GearRule.place, GearRule.item_key).where(GearRule.school_id == school_id).order_by(GearRule.id)
        ):
            gear.setdefault(place, []).append(key)

    found: list[BringItem] = []
    for event in schedule.events:
        keys = list(event.bring) or gear.get(event.place or "", [])
        found += [BringItem(k, None, "event", place=event.place, event_titles=event.titles) for k in keys]
    for slot in schedule.slots:
        for key in gear.get(slot.place or "", []):
            found.append(BringItem(key, None, "lesson", subject_code=slot.subject_code, place=slot.place))
    # Things the school's own lineItems list: a bring item's title ("Gymtøy og innesko") and
    # any item's description ("Aktivitetsdag ... Ta med matpakke og varme klær").
    for item in due_items(session, asker, pupil_id, day, day, clock):
        titled = {t.casefold() for t in things_in_title(item.title)} if item.kind is AssignmentKind.BRING else set()
        for thing in things_of(item.title, item.description, bring_item=item.kind is AssignmentKind.BRING):
            if thing.casefold() in titled:
                found.append(BringItem(None, thing, "assignment", subject_code=item.subject_code))
            else:
                found.append(BringItem(None, thing, "item", subject_code=item.subject_code, item_title=item.title))

    seen: set[str] = set()
    unique: list[BringItem] = []
    for entry in found:
        if entry.identity not in seen:
            seen.add(entry.identity)
            unique.append(entry)
    return BringList(day, schedule.info, unique)
