"""Problems found in an import's input, collected so one run reports all of them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    file: str
    line: int | None
    column: str | None
    message: str
    # A problem of one row (a bad date, an unknown role value): outside --strict the row and
    # what depends on it are skipped and the rest imports. Anything else stops the import.
    row_level: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    """The input has problems; nothing was imported."""

    def __init__(self, problems: list[Problem], shown: int = 50) -> None:
        self.problems = problems
        lines = [str(p) for p in problems[:shown]]
        if len(problems) > shown:
            lines.append(f"... and {len(problems) - shown} more problems")
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"nothing imported: {len(problems)} {noun} found\n  " + "\n  ".join(lines))


@dataclass
class Problems:
    """Collects problems; ``raise_if_any`` turns them into :class:`ImportFailed`.

    Collection stops growing at ``limit`` (a broken export can have a million bad rows;
    the first few thousand say enough), but the count keeps going.
    """

    limit: int = 5000
    items: list[Problem] = field(default_factory=list)
    dropped: int = 0
    # What was tolerated and how (an extension column ignored, a phone number left out):
    # the import goes on; the report lists each with its file, line and column.
    notes: list[Problem] = field(default_factory=list)

    def note(self, file: str, line: int | None, column: str | None, message: str) -> None:
        if len(self.notes) < self.limit:
            self.notes.append(Problem(file, line, column, message))

    def add(self, file: str, line: int | None, column: str | None, message: str, row_level: bool = False) -> None:
        if len(self.items) < self.limit:
            self.items.append(Problem(file, line, column, message, row_level))
        else:
            self.dropped += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items) + self.dropped

    def structural(self) -> bool:
        return self.dropped > 0 or any(not p.row_level for p in self.items)

    def skip_rows(self) -> list[Problem]:
        """Outside --strict with only row problems: they become notes ("skipped") and the
        rest imports. Returns the skipped ones."""
        skipped = [Problem(p.file, p.line, p.column, f"{p.message}: row skipped", True) for p in self.items]
        self.notes.extend(skipped)
        self.items = []
        return skipped

    def raise_if_any(self, strict: bool = True) -> None:
        if self.items and not strict and not self.structural():
            self.skip_rows()
            return
        if self.items:
            # Report in reading order: by file, then line (a sort is stable within a line).
            ordered = sorted(self.items, key=lambda p: (p.file, p.line or 0))
            raise ImportFailed(ordered + self._dropped_note())

    def _dropped_note(self) -> list[Problem]:
        if not self.dropped:
            return []
        return [Problem("(all files)", None, None, f"{self.dropped} further problems not listed")]
