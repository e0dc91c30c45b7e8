"""Map exceptions to exit codes in one place (pattern of pre-commit's error_handler)."""
from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from cfroutes.colour import wanted
from cfroutes.deploy.aws import AwsFailure, AwsUnavailable
from cfroutes.errors import CheckFailed, ExitCode, InputError, render_all


@dataclass
class Result:
    code: int | None = None


@contextlib.contextmanager
def error_handler(debug: bool, stderr: TextIO) -> Iterator[Result]:
    result = Result()
    try:
        yield result
    except InputError as e:
        stderr.write(render_all(e.diagnostics, colour=wanted(stderr)) + "\n")
        result.code = ExitCode.INVALID_INPUT
    except CheckFailed as e:
        stderr.write(render_all(e.diagnostics, colour=wanted(stderr)) + "\n")
        result.code = ExitCode.FAILED
    except AwsUnavailable as e:  # boto3 or awscrt missing: the install hint
        stderr.write(f"cfroutes: {e}\n")
        result.code = ExitCode.INVALID_INPUT
    except AwsFailure as e:  # an AWS call failed: one line naming the operation
        stderr.write(f"cfroutes: error: {e}\n")
        result.code = ExitCode.FAILED
    except KeyboardInterrupt:
        result.code = ExitCode.INTERRUPTED
    except BrokenPipeError:
        result.code = ExitCode.OK if result.code is None else result.code
    except Exception as e:  # a bug in cfroutes
        if debug:
            stderr.write(traceback.format_exc())
        stderr.write(f"cfroutes: internal error: {type(e).__name__}: {e} (run with --debug for the traceback)\n")
        result.code = ExitCode.INTERNAL
