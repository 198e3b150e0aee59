"""``ransel homework`` and ``ransel behind``: what teachers do from the command line."""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy import select

from bot.access import AccessDenied
from bot.i18n import render
from bot.models import AssignmentKind, Group, LearningResource, Person
from bot.runtime import Runtime
from bot.services.people import find_person
from bot.services.teaching import InvalidAssignment, add_assignment, pupils_behind, taught_groups
from ransel.cli._root import AppContext, pass_app


def _teacher(session, ref: str) -> Person:
    person = find_person(session, ref)
    if person is None:
        raise click.ClickException(f"no person {ref!r} (use sourcedId, username or email)")
    return person


def _group(session, teacher: Person, name: str, runtime: Runtime) -> Group:
    groups = {g.name.casefold(): g for g in taught_groups(session, teacher, runtime.clock)}
    group = groups.get(name.casefold())
    if group is None:
        raise click.ClickException(render("teacher_unknown_group", teacher.language, name=name,
                                          groups=sorted(g.name for g in groups.values())))
    return group


@click.group("homework")
def homework_group() -> None:
    """Assignments: homework, tests, projects and things to bring."""


@homework_group.command("add")
@click.option("--as", "as_user", required=True, help="The teacher (sourcedId, username or email).")
@click.option("--group", "group_name", required=True, help="A group the teacher teaches, e.g. '4A matematikk'.")
@click.option("--title", required=True)
@click.option("--due", required=True, help="Local school time, e.g. 2026-12-07T08:30.")
@click.option("--kind", type=click.Choice([k.value for k in AssignmentKind]), default="homework")
@click.option("--description", default=None)
@click.option("--aim", "aims", multiple=True, help="LK20 competence aim code (repeatable), e.g. KM282.")
@click.option("--resource", "resource_ref", default=None, help="A learning resource's id in the catalogue.")
@pass_app
def add(app: AppContext, as_user: str, group_name: str, title: str, due: str, kind: str,
        description: str | None, aims: tuple[str, ...], resource_ref: str | None) -> None:
    """Add an assignment to a group; reminders include it from now on."""
    runtime = Runtime(app.settings)
    with runtime.transaction() as session:
        teacher = _teacher(session, as_user)
        group = _group(session, teacher, group_name, runtime)
        try:
            when = datetime.fromisoformat(due)
        except ValueError:
            raise click.ClickException(render("teacher_invalid_assignment", teacher.language,
                                              code="due_format")) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=runtime.clock.zone)
        try:
            resource_id = None
            if resource_ref is not None:
                resource_id = session.scalar(select(LearningResource.id).where(LearningResource.external_id == resource_ref))
                if resource_id is None:
                    raise InvalidAssignment("resource")
            added = add_assignment(session, teacher, group_id=group.id, kind=AssignmentKind(kind), title=title,
                                   due=when, description=description, aims=list(aims), resource_id=resource_id,
                                   clock=runtime.clock)
        except InvalidAssignment as exc:
            raise click.ClickException(render("teacher_invalid_assignment", teacher.language,
                                              code=exc.code, **exc.details)) from None
        click.echo(render("teacher_assignment_added", teacher.language, assignment=added.assignment,
                          group=group.name, due=runtime.clock.local(added.assignment.due_at)))
        for warning in added.warnings:  # "too hard" for these pupils, in the teacher's language
            click.echo(warning.message)


@click.command("behind")
@click.option("--as", "as_user", required=True, help="The teacher (sourcedId, username or email).")
@click.option("--group", "group_name", required=True, help="A group the teacher teaches.")
@pass_app
def behind(app: AppContext, as_user: str, group_name: str) -> None:
    """Pupils with missing hand-ins or a low average in the last six weeks."""
    runtime = Runtime(app.settings)
    with runtime.sessions() as session:
        teacher = _teacher(session, as_user)
        group = _group(session, teacher, group_name, runtime)
        try:
            rows = pupils_behind(session, teacher, group.id, runtime.clock)
        except AccessDenied:  # pragma: no cover - _group only offers taught groups
            raise click.ClickException(render("access_denied", teacher.language)) from None
        click.echo(render("teacher_behind", teacher.language, group=group.name, rows=rows))


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [homework_group, behind]
