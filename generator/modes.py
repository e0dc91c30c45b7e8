"""The modes a command line selects and the libraries read, as enums.

A `Choice` is named as typed (`--engine njs`) in help, messages and argparse's errors, and it
compares equal to that text (a `str` enum). `choice(E)` gives argparse `type=` and `choices=`
from an enum, so the parsed value is already the enum member.
This module imports nothing of the package: `cfroutes --help` and every command's parser load it.
"""
from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar


class Choice(str, Enum):
    """A mode chosen by name; str() and repr() give the name as typed."""

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:  # argparse lists the valid choices with repr()
        return repr(self.value)


class Mode(Choice):
    """What `--engine` selects: one engine, or two side by side."""

    QUICKJS = "quickjs"
    NJS = "njs"
    BOTH = "both"


class Stage(Choice):
    """A CloudFront function's stage (`deploy --stage`, `test --remote --stage`)."""

    DEVELOPMENT = "DEVELOPMENT"
    LIVE = "LIVE"


C = TypeVar("C", bound=Choice)


def choice(enum: type[C], only: tuple[C, ...] | None = None) -> dict[str, Any]:
    """argparse keywords for an option whose value is one of `only` (default: every member of `enum`)."""
    allowed = list(only if only is not None else enum)

    def parse(text: str) -> C | str:
        try:
            return enum(text)
        except ValueError:  # left as text: argparse's choices check names the valid ones
            return text

    parse.__name__ = enum.__name__
    convert: Callable[[str], C | str] = parse
    return {"type": convert, "choices": allowed}
