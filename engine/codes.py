"""Indicator codes as each owner writes them, and the file names that stand for them.

The deputy numbers its indicators `IKU.1`..`IKU.15`; Dit. AK writes `IKU 1`, Dit. PDPIK
`KU 1`, Dit. INTI `SS.1.1`. A manual declares its form as a template (`indicator_codes:
"KU {n}"`, default `IKU.{n}`): literal text, and `{n}` for a number. A template is not a
regular expression on purpose: a manual is untrusted text, and a pattern written by its
author could take exponential time to match (ReDoS); a template compiles to a pattern we
know is linear.

A file holding one indicator is named for its code, spaces written as `_`, numbers padded
to two digits so that files sort: `IKU.8` -> `IKU.08.yaml`, `KU 1` -> `KU_01.yaml`,
`SS.1.1` -> `SS.01.01.yaml` (unpadded names are accepted too).
"""

from __future__ import annotations

import re
from functools import cache

DEFAULT_FORMAT = "IKU.{n}"
NUMBER = "{n}"
_LITERAL = re.compile(r"^[A-Za-z0-9. ]*$")
_DIGITS = re.compile(r"[0-9]+")  # ASCII digits: `²` or `٣` are not a number here


def format_problem(template: str) -> str:
    """Why `template` is not a usable code template, or an empty string.

    >>> format_problem("KU {n}"), format_problem("KU")
    ('', 'a code template needs at least one {n}')
    """
    if NUMBER not in template:
        return "a code template needs at least one {n}"
    literal = template.replace(NUMBER, "")
    if not _LITERAL.match(literal) or "  " in template or template != template.strip():
        return "a code template holds letters, digits, `.`, single spaces and {n}"
    if not template[0].isalpha():
        return "a code template starts with a letter"
    return ""


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = template.split(NUMBER)
    # [1-9][0-9]{0,3}: a number as people write it, no leading zero, four digits at most;
    # between escaped literals, so matching is linear in the code's length.
    return re.compile("^" + "[1-9][0-9]{0,3}".join(re.escape(p) for p in parts) + "$")


def matches(code: str, template: str) -> bool:
    """Whether `code` has the form `template` declares.

    >>> matches("IKU.8", "IKU.{n}"), matches("IKU 8", "IKU.{n}"), matches("SS.1.1", "SS.{n}.{n}")
    (True, False, True)
    """
    return bool(_pattern(template).match(code))


def file_stem(code: str) -> str:
    """The file name (without `.yaml`) that holds `code`.

    >>> file_stem("IKU.8"), file_stem("KU 10"), file_stem("SS.1.1")
    ('IKU.08', 'KU_10', 'SS.01.01')
    """
    return _DIGITS.sub(lambda m: m.group().zfill(2), code).replace(" ", "_")


def code_of_stem(stem: str) -> str:
    """The code a file name stands for: padding removed, `_` read as a space.

    >>> code_of_stem("IKU.08"), code_of_stem("KU_01"), code_of_stem("IKU.10_old")
    ('IKU.8', 'KU 1', 'IKU.10 old')
    """
    return _DIGITS.sub(lambda m: m.group().lstrip("0") or "0", stem).replace("_", " ")


def from_user(text: str, codes: list[str], template: str) -> str:
    """The code a person means by `text` on the command line: the code itself in any case,
    `_` for a space, padded numbers, or only the number(s) (`8` -> `IKU.8`). Returns `text`
    unchanged when nothing matches, so that the caller's error names what was typed.

    >>> from_user("iku8", ["IKU.8"], "IKU.{n}"), from_user("8", ["KU 8"], "KU {n}")
    ('IKU.8', 'KU 8')
    >>> from_user("ku_08", ["KU 8"], "KU {n}"), from_user("SS.7", ["IKU.7"], "IKU.{n}")
    ('KU 8', 'SS.7')
    """
    wanted = code_of_stem(text.strip()).casefold()
    for code in codes:
        if code.casefold() == wanted:
            return code
    numbers = _DIGITS.findall(text)
    letters = re.sub(r"[^a-z]", "", text.casefold())
    # `8` or `iku8` for IKU.8, but not `SS.7`: the letters typed must be the template's
    same_letters = letters in ("", re.sub(r"[^a-z]", "", template.replace(NUMBER, "").casefold()))
    if numbers and same_letters and template.count(NUMBER) == len(numbers):
        candidate = template
        for n in numbers:
            candidate = candidate.replace(NUMBER, n.lstrip("0") or "0", 1)
        if candidate in codes:
            return candidate
    return text
