"""Questions with dates that real users wrote, answered through the actions with the asker's
school calendar (the test school stores Christmas from Monday 21 December)."""

from actions.homework import HomeworkAction, TestsAction


def test_tests_before_christmas_run_to_the_schools_own_christmas_break(world) -> None:
    said = world.run(TestsAction(), "emma", "kva har vi av prøvar før jul?", "ask_tests")
    # The school's break starts on the 21st (the convention alone would stop at Friday the 18th).
    assert said.text.startswith("Prøver for deg 1. desember–20. desember:")
    assert "torsdag 10. desember: Gangeprøve" in said.text


def test_a_weekday_next_week_is_that_day_not_this_weeks(world) -> None:
    said = world.run(TestsAction(), "emma", "har jeg prøve på torsdag neste uke?", "ask_tests")
    assert "torsdag 10. desember: Gangeprøve" in said.text


def test_thursday_the_10th_in_english(world) -> None:
    said = world.run(TestsAction(), "emma", "is there a test on Thursday the 10th?", "ask_tests")
    assert "Gangeprøve" in said.text
    said = world.run(HomeworkAction(), "james", "what's due on Thursday the 3rd?", "ask_homework")
    assert said.text.startswith("Homework for Olivia for Thursday 3 December:")
    assert "Read chapter 4" in said.text
