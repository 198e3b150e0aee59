"""``ransel demo load``: the demo school into the configured stores, through the importers.

Order: the schema (``ransel db upgrade``), the LK20 curriculum (``data/lk20``), the OneRoster
export (``data/demo/oneroster``), Ransel's extras (``data/demo/ransel.yaml``), then the
learning-resource catalog and the kommune's learning policy, and the school's reminder rules
(``data/demo/reminders.yaml``). Each step is the same import a real school runs, so loading twice
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import db
from bot.config import PROJECT_ROOT
from bot.importers.extras import ExtrasResult, import_extras
from bot.importers.lk20 import Lk20Result, import_lk20
from bot.importers.oneroster import OneRosterResult, import_oneroster
from bot.learning.activity import Ingested, trace_imported_results
from bot.learning.catalog import CatalogReport, import_catalog
from bot.learning.policy import load_policy_file
from bot.reminder_rules import load_file as load_rules
from bot.runtime import Runtime

LK20_DIR = PROJECT_ROOT / "data" / "lk20"
DEMO_DIR = PROJECT_ROOT / "data" / "demo"


@dataclass(frozen=True)
class DemoLoaded:
    lk20: Lk20Result
    oneroster: OneRosterResult
    extras: ExtrasResult
    resources: CatalogReport
    traced: Ingested


def load_demo(runtime: Runtime, *, progress: bool = False) -> DemoLoaded:
    db.upgrade(runtime.settings.store_url)
    engine, clock = runtime.engine, runtime.clock
    lk20 = import_lk20(engine, LK20_DIR)
    roster = import_oneroster(engine, DEMO_DIR / "oneroster", clock, progress=progress)
    extras = import_extras(engine, DEMO_DIR / "ransel.yaml", clock)

    # Learning resources after LK20 (they refer to its aims); then what the imported results
    # teach about each pupil's mastery (idempotent: a result is traced once).
    with runtime.transaction() as session:
        resources = import_catalog(session, DEMO_DIR / "resources.yaml", clock=clock)
        load_policy_file(session, DEMO_DIR / "learning_policy.yaml", clock=clock)
        traced = trace_imported_results(session, clock=clock)
        load_rules(session, DEMO_DIR / "reminders.yaml", now=clock.now())
    return DemoLoaded(lk20, roster, extras, resources, traced)
