"""``ransel import resources``, ``ransel recommend`` and ``ransel learning token``."""

from __future__ import annotations

from pathlib import Path

import click

from ransel.cli._root import AppContext, pass_app


@click.command("resources")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def import_resources(app: AppContext, file: Path) -> None:
    """Import learning resources from a YAML catalogue (idempotent)."""
    from bot import db
    from bot.clock import Clock
    from bot.learning.catalog import CatalogError, import_catalog

    engine = db.make_engine(app.settings.store_url)
    try:
        with db.transaction(db.session_factory(engine)) as session:
            report = import_catalog(session, file, clock=Clock.from_settings(app.settings))
    except CatalogError as exc:
        raise click.ClickException("the catalogue was not imported:\n  " + "\n  ".join(exc.problems)) from None
    finally:
        engine.dispose()
    click.echo(f"{len(report.created)} created, {len(report.updated)} updated, {len(report.unchanged)} unchanged")


@click.command("recommend")
@click.option("--as", "as_ref", required=True, help="Who asks (sourcedId, username or email).")
@click.option("--pupil", "pupil_ref", required=True, help="The pupil (sourcedId, username or email).")
@click.option("--subject", default=None, help="LK20 subject code, e.g. MAT01-05.")
@click.option("--aim", default=None, help="Competence aim code, e.g. KM270.")
@click.option("--topic", default=None, help='A topic in your own words, e.g. "brøk".')
@click.option("--limit", default=10, show_default=True)
@pass_app
def recommend_command(
    app: AppContext, as_ref: str, pupil_ref: str, subject: str | None, aim: str | None, topic: str | None, limit: int
) -> None:
    """Print the top learning resources for a pupil, as ASKER would get them."""
    from bot import db
    from bot.access import AccessDenied
    from bot.clock import Clock
    from bot.i18n import render
    from bot.learning.recommend import recommend
    from bot.services.people import find_person

    engine = db.make_engine(app.settings.store_url)
    try:
        with db.session_factory(engine)() as session:
            asker, pupil = find_person(session, as_ref), find_person(session, pupil_ref)
            if asker is None:
                raise click.ClickException(f"nobody is known as {as_ref!r}")
            try:
                if pupil is None:
                    raise AccessDenied()
                recs = recommend(session, asker, pupil.id, subject_code=subject, aim_code=aim, text=topic, limit=limit,
                                 clock=Clock.from_settings(app.settings))
            except AccessDenied:
                raise click.ClickException(render("learning_not_visible", asker.language)) from None
            click.echo(render("learning_recommendations", asker.language, pupil=pupil.given_name,
                              items=[(r.resource.title, r.reason) for r in recs]))
    finally:
        engine.dispose()


@click.group("learning")
def learning_group() -> None:
    """Learning activity: tokens for learning platforms."""


@learning_group.command("token")
@click.option("--school", "school_ref", required=True, help="School sourcedId.")
@pass_app
def token_command(app: AppContext, school_ref: str) -> None:
    """Issue a bearer token a school's learning platform uses for POST /api/activity."""
    from sqlalchemy import select

    from bot import db
    from bot.clock import Clock
    from bot.learning.activity_tokens import issue_activity_token
    from bot.models import School

    engine = db.make_engine(app.settings.store_url)
    try:
        with db.transaction(db.session_factory(engine)) as session:
            school = session.scalar(select(School).where(School.sourced_id == school_ref))
            if school is None:
                raise click.ClickException(f"no school with sourcedId {school_ref!r}")
            token = issue_activity_token(session, school, clock=Clock.from_settings(app.settings))
    finally:
        engine.dispose()
    click.echo(token)


@learning_group.command("policy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def policy_command(app: AppContext, file: Path) -> None:
    """Set a school owner's learning policy from YAML (owner: SOURCEDID, policy: {...})."""
    from bot import db
    from bot.clock import Clock
    from bot.learning.policy import load_policy_file

    engine = db.make_engine(app.settings.store_url)
    try:
        with db.transaction(db.session_factory(engine)) as session:
            load_policy_file(session, file, clock=Clock.from_settings(app.settings))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo("policy set")


@learning_group.command("review")
@click.option("--as", "as_ref", required=True, help="The teacher (sourcedId, username or email).")
@click.option("--resource", "resource_ref", required=True, help="The resource's id in the catalogue.")
@click.option("--rating", type=int, default=None, help="1-5; leave out to only show the reviews.")
@click.option("--text", default=None)
@pass_app
def review_command(app: AppContext, as_ref: str, resource_ref: str, rating: int | None, text: str | None) -> None:
    """Review a learning resource (again: edits your review) and show its reviews."""
    from sqlalchemy import select

    from bot import db
    from bot.clock import Clock
    from bot.i18n import render
    from bot.learning.reviews import ReviewRefused, render_reviews, review
    from bot.models import LearningResource
    from bot.services.people import find_person

    engine = db.make_engine(app.settings.store_url)
    try:
        with db.transaction(db.session_factory(engine)) as session:
            teacher = find_person(session, as_ref)
            if teacher is None:
                raise click.ClickException(f"nobody is known as {as_ref!r}")
            resource = session.scalar(select(LearningResource).where(LearningResource.external_id == resource_ref))
            if resource is None:
                raise click.ClickException(render("learning_review_refused", teacher.language, reason="unknown_resource"))
            if rating is not None:
                try:
                    review(session, teacher, resource, rating, text, clock=Clock.from_settings(app.settings))
                except ReviewRefused as exc:
                    raise click.ClickException(render("learning_review_refused", teacher.language, reason=exc.reason)) from None
            click.echo(render_reviews(session, resource, teacher.language))
    finally:
        engine.dispose()


# On `ransel`; `import_resources` goes under `ransel import` (see ransel/cli/__init__.py).
COMMANDS = [recommend_command, learning_group]
IMPORT_COMMANDS = [import_resources]
