"""People, their roles and guardian relations."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Role, UTCDateTime, str_enum

if TYPE_CHECKING:
    from .org import Membership


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    username: Mapped[str | None] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    given_name: Mapped[str] = mapped_column(String(255))
    family_name: Mapped[str] = mapped_column(String(255))
    birth_date: Mapped[date | None] = mapped_column(Date)
    # nb, nn, en; other codes are allowed and fall back to nb for text we render.
    language: Mapped[str] = mapped_column(String(8), default="nb")
    # True once the person chose their language themself; until then replies follow the
    # language each message is written in, and ``language`` keeps the one last used.
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    roles: Mapped[list[PersonRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="person")

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)

    def __repr__(self) -> str:  # ids only: reprs end up in logs
        return f"<Person id={self.id}>"


class PersonRole(Base):
    __tablename__ = "person_roles"
    __table_args__ = (UniqueConstraint("person_id", "role", "school_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    # For an owner admin: the school owner (kommune) whose schools they oversee.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"))

    person: Mapped[Person] = relationship(back_populates="roles")


class Guardianship(Base):
    """A guardian's relation to a pupil; only parental responsibility grants access."""

    __tablename__ = "guardianships"
    __table_args__ = (UniqueConstraint("guardian_id", "pupil_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    relation: Mapped[str] = mapped_column(String(32), default="parent")
    parental_responsibility: Mapped[bool] = mapped_column(Boolean, default=True)

    guardian: Mapped[Person] = relationship(foreign_keys=[guardian_id])
    pupil: Mapped[Person] = relationship(foreign_keys=[pupil_id])


class PersonIdentifier(Base):
    """An identifier another system knows the person by, from the school's register (OneRoster
    ``userIds``: ``{Feide:liv.andersen@fjellby.kommune.no}``, ``{NIN:...}``). Sign-in with
    Feide or ID-porten finds the person by one of these; stored exactly as the school gave it."""

    __tablename__ = "person_identifiers"
    __table_args__ = (UniqueConstraint("scheme", "value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(255))

    def __repr__(self) -> str:  # no value: NINs must not reach logs
        return f"<PersonIdentifier id={self.id} person={self.person_id} scheme={self.scheme}>"


class OidcLogin(Base):
    """One sign-in with an OpenID provider in progress (portal/oidc.py): what the callback
    must find again. Looked up by the hash of ``state``; usable once, for a few minutes, and
    only from the browser that started it (the hash of a random cookie value)."""

    __tablename__ = "oidc_logins"
    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_path: Mapped[str] = mapped_column(String(1000), default="/")
    language: Mapped[str] = mapped_column(String(8), default="nb")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
