"""Memory per blocked thread on CPython (tracemalloc), issue 8's target:
at most 600 bytes in the compiled build (benchmarks/memory.py measures
the same against asyncio and SimPy). Bytes are exact here, not timed; the
MicroPython figure is tests/test_micropython.py's. The budget is set on
CPython 3.11 and later: 3.10's coroutines are larger (917 B measured)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..",
                                "benchmarks"))

import pytest  # noqa: E402

from memory import per_thread_muos  # noqa: E402  (benchmarks/memory.py)

N = 5000


@pytest.mark.skipif(sys.version_info < (3, 11),
                    reason="the budget is CPython 3.11's and later's (3.10's "
                           "coroutines are larger)")
def test_a_blocked_thread_fits_issue_8s_budget():
    # measured 589 B compiled (the C trap) (coroutine 184, thread 216 with
    # its 23 slots, trap 88, unique name 55, dict and list entries ~30);
    # 804 B in pure Python, where the trap's generator (200 B) and its
    # arrival number (an int, 32 B) come on top
    b = per_thread_muos(N)
    from muos import traps
    if traps._C is not None:
        assert b <= 600, b
    else:
        assert b <= 850, b
