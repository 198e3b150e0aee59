from bot.nlu_eval import LANGUAGES, heldout_examples, heldout_files, read_examples, score, training_examples


def test_held_out_lines_never_appear_in_the_training_data() -> None:
    training = {text.casefold() for pairs in training_examples().values() for text, _ in pairs}
    for lang in LANGUAGES:
        leaked = [text for text, _ in heldout_examples(lang) if text.casefold() in training]
        assert leaked == [], lang


def test_every_language_has_held_out_examples_for_every_trained_intent() -> None:
    for lang in LANGUAGES:
        trained = {intent for _, intent in training_examples()[lang]}
        held = {intent for _, intent in heldout_examples(lang)}
        assert trained == held, lang


def test_accuracy_and_macro_f1() -> None:
    rows = [("a", "x", "x"), ("b", "x", "y"), ("c", "y", "y"), ("d", "y", "y")]
    s = score(rows)
    assert s.count == 4 and s.accuracy == 0.75
    # x: P=1, R=0.5, F1=2/3; y: P=2/3, R=1, F1=0.8
    assert abs(s.macro_f1 - (2 / 3 + 0.8) / 2) < 1e-9
    assert s.errors == (("b", "x", "y"),)


def test_every_held_out_round_file_is_read_in_order() -> None:
    for lang in LANGUAGES:
        names = [p.name for p in heldout_files(lang)]
        assert names[0] == f"heldout_{lang}.yml"
        assert f"heldout4_{lang}.yml" in names


def test_no_held_out_line_is_counted_twice() -> None:
    for lang in LANGUAGES:
        seen: dict[str, str] = {}
        for path in heldout_files(lang):
            for text, _ in read_examples(path):
                key = text.casefold()
                assert key not in seen, f"{path.name}: {text!r} repeats a line of {seen[key]}"
                seen[key] = path.name
