"""What is wrong with a master data file or a partner profile, with file, line and field.

Both the CSV loader and the partner profiles report through these, so neither imports the other
to say what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from ordergate.errors import ConfigError

_MAX_SHOWN = 50  # problems spelled out in the message; all of them stay on .problems


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message}"


class MasterDataError(ConfigError):
    """A master data file that cannot be loaded; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = [str(p) for p in problems[:_MAX_SHOWN]]
        if len(problems) > _MAX_SHOWN:
            lines.append(f"... and {len(problems) - _MAX_SHOWN} more")
        super().__init__("\n".join(lines))
