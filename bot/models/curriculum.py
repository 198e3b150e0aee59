"""LK20: subjects (curricula), grade bands and competence aims (Udir, NLOD)."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Subject(Base):
    __tablename__ = "subjects"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. MAT01-05
    name_nb: Mapped[str] = mapped_column(String(255))  # short: "matematikk"
    name_nn: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    curriculum_title_nb: Mapped[str] = mapped_column(String(255))
    curriculum_title_en: Mapped[str] = mapped_column(String(255))

    aims: Mapped[list[CompetenceAim]] = relationship(back_populates="subject")

    def name(self, language: str) -> str:
        return {"nn": self.name_nn, "en": self.name_en}.get(language, self.name_nb)


class GradeBand(Base):
    __tablename__ = "grade_bands"
    __table_args__ = (UniqueConstraint("subject_code", "label_nb"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_code: Mapped[str] = mapped_column(ForeignKey("subjects.code"))
    after_grade: Mapped[int] = mapped_column(Integer)
    label_nb: Mapped[str] = mapped_column(String(255))
    label_en: Mapped[str] = mapped_column(String(255))


class CompetenceAim(Base):
    __tablename__ = "competence_aims"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)  # e.g. KM282
    subject_code: Mapped[str] = mapped_column(ForeignKey("subjects.code"), index=True)
    grade_band_id: Mapped[int] = mapped_column(ForeignKey("grade_bands.id"))
    after_grade: Mapped[int] = mapped_column(Integer, index=True)
    text_nb: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    core_elements: Mapped[list[str]] = mapped_column(JSON, default=list)

    subject: Mapped[Subject] = relationship(back_populates="aims")

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_nb
