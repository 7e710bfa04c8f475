"""The simulated port's random numbers: one generator per ``SimPort``
(``port.random``), seeded with its ``seed``.

Owns: ``Random``. Imports nothing. Loaded when a port's generator is
first read (a program that draws no random number keeps it, and its
64-bit state, off a board's heap).
"""

__all__ = ("Random",)


class Random:
    """A small deterministic generator (xorshift64*), identical on CPython
    and MicroPython, so that a seed gives the same run everywhere."""

    def __init__(self, seed=0):
        self.seed(seed)

    def seed(self, seed):
        s = (int(seed) * 0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D) \
            & 0xFFFFFFFFFFFFFFFF
        self._s = s or 0x2545F4914F6CDD1D

    def _next(self):
        x = self._s
        x ^= x >> 12
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 27
        self._s = x
        return (x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF

    def random(self):
        """A float in [0, 1)."""
        return (self._next() >> 11) / 9007199254740992.0

    def randint(self, a, b):
        """An int in [a, b]."""
        if b < a:
            raise ValueError("randint: empty range %r..%r" % (a, b))
        return a + self._next() % (b - a + 1)

    def uniform(self, a, b):
        return a + (b - a) * self.random()

    def choice(self, seq):
        return seq[self._next() % len(seq)]
