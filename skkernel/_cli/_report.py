"""What the command line says while it works: one line per stage, or nothing."""

import json
import os
import sys

import numpy as np


class Reporter:
    """Prints progress lines unless quiet; with ``json``, only the final result.

    Parameters
    ----------
    quiet : bool
        Print no progress lines: only errors, warnings and the result.
    verbose : bool
        Also print per-step progress (folds, iterations).
    as_json : bool
        Print only the result, as JSON, on standard output.
    stream : file, default=None
        Where progress lines go; None: standard output. Commands that write their
        rows to standard output send them to standard error, so that the rows can
        be redirected to a file or a pipe alone.
    writes_file : bool, default=False
        The command's product is a file (``--out``): progress lines whose reader
        went away (``| head``) are dropped and the work goes on. Otherwise the
        printed lines are the product, and a closed pipe ends the command.
    """

    def __init__(self, quiet=False, verbose=False, as_json=False, stream=None, writes_file=False):
        self.quiet = quiet or as_json
        self.verbose = verbose and not self.quiet
        self.as_json = as_json
        self.stream = stream
        self.writes_file = writes_file

    def _print(self, message):
        stream = self.stream or sys.stdout
        try:
            print(message, file=stream, flush=True)
        except BrokenPipeError:
            if not self.writes_file:
                raise
            # The rest of the progress goes nowhere; Python's own flush at exit must
            # not find the closed pipe either.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)

    def stage(self, message):
        if not self.quiet:
            self._print(message)

    def output(self, message):
        """A line of the result itself (a table of figures): printed unless the
        result goes out as JSON, --quiet included."""
        if not self.as_json:
            self._print(message)

    def progress(self, message):
        if self.verbose:
            self._print(f"  {message}")

    def warn(self, message):
        print(f"warning: {message}", file=sys.stderr, flush=True)

    def result(self, result):
        if self.as_json and result is not None:
            # Strict JSON: NaN (a score of one-row folds, a speed-up without its
            # baseline) is null, not the bare NaN that JSON parsers refuse.
            print(json.dumps(_without_nan(result), default=str, allow_nan=False))


def _without_nan(value):
    """``value`` with every float NaN or infinity, at any depth, replaced by None."""
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nan(item) for item in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value
