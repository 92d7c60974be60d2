"""The one error type users see for bad input, always naming the file, the column and the fix."""

from __future__ import annotations

from pathlib import Path


class AstrolearnInputError(ValueError):
    """Bad input data or options, explained for a person rather than a traceback.

    Parameters
    ----------
    problem : str
        What is wrong, in one sentence.
    file : str or Path, optional
        The file that holds the bad data (``None`` for in-memory tables).
    column : str, optional
        The column concerned, if one.
    fix : str, optional
        What the user can do about it.

    Examples
    --------
    >>> err = AstrolearnInputError("column is empty", file="cat.parquet", column="u",
    ...                            fix="drop the band with --bands g,r,i,z")
    >>> print(err)
    cat.parquet, column 'u': column is empty. Fix: drop the band with --bands g,r,i,z
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = None if file is None else str(file)
        self.column = column
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.column:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.problem}" if prefix else self.problem
        if self.fix:
            text += f". Fix: {self.fix}"
        return text

    def in_file(self, file: str | Path | None) -> AstrolearnInputError:
        """Return a copy of this error that names ``file`` (when it did not name one yet)."""
        if self.file or file is None:
            return self
        return AstrolearnInputError(self.problem, file=file, column=self.column, fix=self.fix)


class AstrolearnRunError(RuntimeError):
    """A long job that stopped part-way, with what it did and how to go on.

    Parameters
    ----------
    problem : str
        What failed and what was done before it.
    fix : str, optional
        What the user can do about it.

    Examples
    --------
    >>> print(AstrolearnRunError("partition 3 failed", fix="run the command again"))
    partition 3 failed. Fix: run the command again
    """

    def __init__(self, problem: str, *, fix: str | None = None) -> None:
        self.problem, self.fix = problem, fix
        super().__init__(f"{problem}. Fix: {fix}" if fix else problem)
