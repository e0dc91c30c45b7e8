"""The value of `--fail-under` (`cfroutes test`) and `--cfroutes-fail-under` (the pytest plugin).

A module of its own, importing only argparse: the pytest plugin loads in every pytest session.
"""
from __future__ import annotations

import argparse


def percent(text: str) -> float:
    """An argparse type: a coverage percentage, 0 to 100 (no nan, no inf)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give a percentage from 0 to 100") from None
    if not 0 <= value <= 100:  # also false for nan
        raise argparse.ArgumentTypeError(f"{text!r} is outside 0-100; give a percentage from 0 to 100")
    return value
