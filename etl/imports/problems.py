"""The problems an import finds, capped at MAX_PROBLEMS, and the rejections that carry them.
Every part of an import reports through these, so a person gets one list, with line numbers."""
from __future__ import annotations

from typing import Iterable

from etl.errors import ImportRejected

MAX_PROBLEMS = 100  # problems listed; the rest are counted


def count_text(n: int) -> str:
    return f"{n:,}".replace(",", " ")


class Problems(list):
    """Problems as they are found: the first MAX_PROBLEMS, and how many more there were. A file
    whose every row is wrong would otherwise make a list, and a message, of millions of lines."""

    def __init__(self, problems: Iterable[str] = ()):
        super().__init__()
        self.more = 0
        for problem in problems:
            self.add(problem)

    def add(self, problem: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(problem)
        else:
            self.more += 1

    def join(self, other: list[str]) -> "Problems":
        """These problems, then `other`'s, still capped."""
        joined = Problems([*self, *other])
        joined.more += self.more + getattr(other, "more", 0)
        return joined


class Rejected(ImportRejected):
    """Problems found while reading. read_file re-raises them as ImportRejected with the file's
    name in the message; on its own (from parse_mapping) it is a plain ImportRejected."""

    def __init__(self, problems: list[str]):
        self.problems = problems if isinstance(problems, Problems) else Problems(problems)
        super().__init__("the import was rejected", self.listed())

    def total(self) -> int:
        return len(self.problems) + self.problems.more

    def listed(self) -> list[str]:
        more = self.problems.more
        return [*self.problems, *([f"and {count_text(more)} more"] if more else [])]


class Limit(Rejected):
    """The file goes past one of the limits above: reading stops at once."""
