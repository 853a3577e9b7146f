"""Problems people can act on: one `Issue` per finding, one root exception.

Every layer collects `Issue`s instead of stopping at the first one, so that an
officer sees every mistake of a manual in one run. A layer that cannot go on
raises `IkuError` (or a subclass) carrying all the issues found so far; the CLI
catches that one root class, prints the issues and exits with the class's code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

# Exit codes, documented in README.md ("Exit codes").
EXIT_OK = 0
EXIT_FINDINGS = 1  # validate found errors, diff found differences, reconcile found discrepancies
EXIT_USAGE = 2  # wrong command-line usage (argparse uses 2 as well)
EXIT_INPUT = 3  # a manual or dataset could not be loaded or is invalid
EXIT_MISSING_DATA = 4  # --strict and some figure has no data
EXIT_FIGURE_ERROR = 5  # a figure could not be computed: a formula or check failed on the data
# As a shell reports a command ended by a signal (128 + its number), without a traceback:
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_BROKEN_PIPE = 141  # the reader of the output went away (`iku ... | head`; SIGPIPE)


class Severity(StrEnum):
    """How much an issue matters: errors block, warnings inform."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Location:
    """A place in a file: 1-based line and column; 0 when unknown."""

    file: str  # path as the user would type it (relative to the working directory when possible)
    line: int = 0  # 1-based line number, 0 when the whole file is meant
    column: int = 0  # 1-based column, 0 when unknown

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True)
class Issue:
    """One finding, with everything a person needs to act on it."""

    severity: Severity  # error blocks, warning and info do not
    message: str  # what was expected and what was found
    location: Location | None = None  # where, when it comes from a file
    hint: str = ""  # what to do about it, may be empty
    iku: str = ""  # IKU code the issue concerns, when one applies
    unit: str = ""  # unit code, when one applies
    period: str = ""  # period identifier, when one applies
    code: str = ""  # short stable identifier of the kind of issue, for scripts and tests

    def where(self) -> str:
        return str(self.location) if self.location else ""

    def as_text(self) -> str:
        """One line, as compilers and linters write them, so that editors and CI logs link it:
        `file:line:col: error: message [IKU.8 INTI 2023-TW4] (hint)`.

        >>> Issue(Severity.ERROR, "formula uses `L4`", Location("IKU.08.yaml", 51, 1),
        ...       "did you mean `L1`?", iku="IKU.8").as_text()
        'IKU.08.yaml:51:1: error: formula uses `L4` [IKU.8] (did you mean `L1`?)'
        """
        where = self.where()
        text = f"{where}: " if where else ""
        text += f"{self.severity.value}: {' '.join(self.message.split())}"
        context = " ".join(p for p in (self.iku, self.unit, self.period) if p)
        if context:
            text += f" [{context}]"
        if self.hint:
            text += f" ({' '.join(self.hint.split())})"
        return text

    def as_github(self) -> str:
        """A GitHub Actions workflow command, so that CI marks the line in the pull request."""
        def esc(s: str, prop: bool = False) -> str:
            s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            return s.replace(":", "%3A").replace(",", "%2C") if prop else s

        kind = {"error": "error", "warning": "warning"}.get(self.severity.value, "notice")
        props = []
        if self.location is not None:
            props.append(f"file={esc(self.location.file, True)}")
            if self.location.line:
                props.append(f"line={self.location.line}")
            if self.location.column:
                props.append(f"col={self.location.column}")
        context = " ".join(p for p in (self.iku, self.unit, self.period) if p)
        if context:
            props.append(f"title={esc(context, True)}")
        message = " ".join(self.message.split()) + (f" ({self.hint})" if self.hint else "")
        return f"::{kind} {','.join(props)}::{esc(message)}" if props else \
            f"::{kind}::{esc(message)}"

    def to_json(self) -> dict[str, object]:
        loc = self.location
        return {
            "severity": self.severity.value,
            "code": self.code,
            "file": loc.file if loc else None,
            "line": loc.line if loc and loc.line else None,
            "column": loc.column if loc and loc.column else None,
            "iku": self.iku or None,
            "unit": self.unit or None,
            "period": self.period or None,
            "message": self.message,
            "hint": self.hint or None,
        }


def error(message: str, location: Location | None = None, **kw: str) -> Issue:
    return Issue(Severity.ERROR, message, location, **kw)


def warning(message: str, location: Location | None = None, **kw: str) -> Issue:
    return Issue(Severity.WARNING, message, location, **kw)


def has_errors(issues: Iterable[Issue]) -> bool:
    return any(i.severity is Severity.ERROR for i in issues)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest candidate, or an empty string.

    >>> did_you_mean("L4", ["L1", "L2", "X1"])
    'did you mean `L1`?'
    """
    import difflib  # only when a hint is wanted, not on every start

    best = ""
    best_key = (0.0, 0)
    for cand in candidates:
        if cand.lower() == name.lower():
            return f"did you mean `{cand}`?"
        ratio = difflib.SequenceMatcher(None, name.lower(), cand.lower()).ratio()
        prefix = next((i for i, (a, b) in enumerate(zip(name.lower(), cand.lower(), strict=False))
                       if a != b), min(len(name), len(cand)))
        # Ties in similarity go to the candidate sharing the longer prefix: L4 -> L1, not Z1.
        if ratio >= 0.5 and (ratio, prefix) > best_key:
            best, best_key = cand, (ratio, prefix)
    return f"did you mean `{best}`?" if best else ""


@dataclass
class IkuError(Exception):
    """Root of every error a user can cause; the CLI catches only this class."""

    issues: Sequence[Issue] = field(default_factory=tuple)
    exit_code: int = EXIT_INPUT

    def __str__(self) -> str:
        return "\n".join(i.as_text() for i in self.issues) or self.__class__.__name__


class InputError(IkuError):
    """A manual, dataset or argument that cannot be used as given."""
