"""``ransel demo``: the demo school (Solbakken skole, Fjellby kommune)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
import sys
from pathlib import Path

import click

from bot.cli import AppContext, cli, pass_app
from bot.importers import ImportFailed
from bot.runtime import Runtime

DEMO_NOW = "2026-12-01T10:00:00+01:00"  # Tuesday of week 49, as in data/demo/README.md


@cli.group("demo", invoke_without_command=True)
@click.pass_context
def demo_group(ctx: click.Context) -> None:
    """The demo school. Without a subcommand: load it, then start everything (`ransel up
    --emulators`), which is what `make demo` runs."""
    if ctx.invoked_subcommand is None:
        from bot.cli.up import up

        if "RANSEL_NOW" not in os.environ:
            # The demo data lives around this moment; time runs on from it so reminders fire.
            os.environ["RANSEL_NOW"] = DEMO_NOW
            os.environ["RANSEL_CLOCK_RUNS"] = "true"
            os.environ["RANSEL_CLOCK_ANCHOR"] = datetime.now(timezone.utc).isoformat()
            ctx.ensure_object(AppContext).reset()
        ctx.invoke(load)
        ctx.invoke(up, emulators=True)


@demo_group.command("load")
@pass_app
def load(app: AppContext) -> None:
    """Migrate the configured database and load the demo school into it (idempotent)."""
    from bot.demo.load import load_demo

    runtime = Runtime(app.settings)
    try:
        loaded = load_demo(runtime, progress=sys.stderr.isatty())
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        runtime.close()
    click.echo(f"LK20: {loaded.lk20.stats.summary()}")
    click.echo(f"OneRoster: {loaded.oneroster.stats.summary()}")
    click.echo(f"extras: {loaded.extras.stats.summary()}")
    r = loaded.resources
    click.echo(f"learning resources: {len(r.created)} created, {len(r.updated)} updated, {len(r.unchanged)} unchanged; "
               f"results traced: {len(loaded.traced.stored)} new")
    click.echo(f"demo school loaded into {app.settings.store_url}")


@demo_group.command("generate")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory to write (default: the shipped data/demo).")
def generate(out: Path | None) -> None:
    """Rewrite the demo's OneRoster export and extras file (deterministic)."""
    from bot.demo.generate import DEMO_DIR, write_demo

    write_demo(out or DEMO_DIR)
    click.echo(f"demo school written to {out or DEMO_DIR}")
