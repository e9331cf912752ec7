"""skkernel's asv suites (see docs/performance.md)."""

import math

from skkernel.utils.benchmarking import measure_peak_increase


def added_memory(timed):
    """A ``track_`` benchmark of the peak resident memory that the suite's method
    ``timed`` adds, in MB (NaN without ``/proc``).

    asv's own ``peakmem_`` measures the process's peak since it started: imports,
    the data and ``setup``'s warm-up included, which hid the call itself.
    """

    def track(self, *params):
        _, added = measure_peak_increase(lambda: getattr(self, timed)(*params))
        return math.nan if added is None else added / 1e6

    track.unit = "MB"
    return track
