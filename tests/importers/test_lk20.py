import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.importers import ImportFailed
from bot.importers.lk20 import import_lk20
from bot.models import CompetenceAim, GradeBand, Subject
from tests.importers.conftest import LK20, dump


def _expected_from_json(directory: Path) -> tuple[set[str], set[str], int]:
    """Subjects, aim codes and bands for grades 1-10, read straight from Udir's files."""
    subjects, aims, bands = set(), set(), 0
    for path in directory.glob("*.json"):
        if path.name == "metadata.json":
            continue
        subject = json.loads(path.read_text(encoding="utf-8"))["subject"]
        subjects.add(subject["code"])
        for band in subject["gradeBands"]:
            level_one = band["label"]["local"].strip().endswith("nivå I")
            if band["afterGrade"] <= 10 or (subject["code"] == "FSP01-04" and level_one):
                bands += 1
                aims |= {goal["code"] for goal in band["competenceGoals"]}
    return subjects, aims, bands


def test_curriculum_holds_every_subject_band_and_aim_for_grades_1_to_10(engine) -> None:  # noqa: ANN001
    result = import_lk20(engine, LK20)

    subjects, aims, bands = _expected_from_json(LK20)
    with engine.connect() as conn:
        assert set(conn.execute(select(Subject.code)).scalars()) == subjects
        assert set(conn.execute(select(CompetenceAim.code)).scalars()) == aims
        assert conn.execute(select(func.count()).select_from(GradeBand)).scalar() == bands
        assert conn.execute(select(func.max(CompetenceAim.after_grade))).scalar() == 10
        upper_secondary = conn.execute(select(GradeBand.label_nb).where(GradeBand.label_nb.ilike("%vg%"))).all()
        fsp = set(conn.execute(select(CompetenceAim.after_grade).where(CompetenceAim.subject_code == "FSP01-04")).scalars())
    assert (result.subjects, result.aims) == (len(subjects), len(aims))
    with Session(engine) as session:
        maths = session.get(Subject, "MAT01-05")
        km270 = session.get(CompetenceAim, "KM270")
    assert (maths.name_nb, maths.name_nn, maths.name_en) == ("matematikk", "matematikk", "maths")
    assert maths.curriculum_title_nb == "Læreplan i matematikk 1.–10. trinn"
    assert km270.after_grade == 4 and km270.subject_code == "MAT01-05"
    assert km270.text_nb.startswith("utforske og bruke målings- og delingsdivisjon")
    assert km270.text_en.startswith("explore")
    assert upper_secondary == []
    assert fsp == {10}  # foreign language level I is taught in grades 8-10


def test_second_import_changes_nothing(engine) -> None:  # noqa: ANN001
    import_lk20(engine, LK20)
    before = dump(engine)

    again = import_lk20(engine, LK20)

    assert not again.stats.changed
    assert dump(engine) == before


def test_a_changed_aim_text_is_updated_in_place(engine, tmp_path) -> None:  # noqa: ANN001
    import_lk20(engine, LK20)
    changed = tmp_path / "lk20"
    shutil.copytree(LK20, changed)
    path = changed / "mathematics.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["subject"]["gradeBands"][2]["competenceGoals"][0]["text"]["en"] = "explore division (revised)"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    result = import_lk20(engine, changed)

    assert result.stats.updated == {"competence_aims": 1}
    with engine.connect() as conn:
        assert conn.execute(select(CompetenceAim.text_en).where(CompetenceAim.code == "KM270")).scalar() == "explore division (revised)"


def test_one_code_with_two_different_texts_is_refused(engine, tmp_path) -> None:  # noqa: ANN001
    broken = tmp_path / "lk20"
    shutil.copytree(LK20, broken)
    path = broken / "music.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["subject"]["gradeBands"][0]["competenceGoals"][0]["code"] = "KM270"  # a maths code
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(ImportFailed) as failed:
        import_lk20(engine, broken)

    assert "KM270" in str(failed.value) and "different text" in str(failed.value)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Subject)).scalar() == 0
