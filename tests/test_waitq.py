"""The wait queue as a data structure alone (no kernel, no scheduler).

``WaitQueue`` orders traps by their thread's effective priority (higher is
more urgent), then by ``trap.seq`` (arrival; FIFO among equals). The
kernel sets ``seq`` and calls ``reposition`` after a priority change; the
queue itself never calls ``on_change``.
"""

import pytest

from muos.traps import WAIT, Trap, consumed
from muos.waitq import WaitQueue


class FakeThread:
    """Just what the queue reads: ``priority`` (and a name for asserts)."""

    def __init__(self, name, priority):
        self.name = name
        self.priority = priority

    def __repr__(self):
        return "<%s %d>" % (self.name, self.priority)


def trap(name, priority, seq):
    t = Trap(WAIT)
    consumed(t)              # (a test's trap: never awaited)
    t.thread = FakeThread(name, priority)
    t.seq = seq
    return t


def names(q):
    return [t.thread.name for t in q.items]


def test_empty_queue():
    q = WaitQueue("owner")
    assert q.owner == "owner"
    assert q.on_change is None
    assert len(q) == 0
    assert not q
    assert q.head() is None
    assert q.threads() == []
    with pytest.raises(IndexError):
        q.pop()


def test_priority_order_most_urgent_first():
    q = WaitQueue()
    # pushed in arrival order 1..5 with mixed priorities
    for i, (n, p) in enumerate([("a", 10), ("b", 50), ("c", 30),
                                ("d", 254), ("e", 1)], start=1):
        q.push(trap(n, p, i))
    # sorted by priority only (all distinct): d 254, b 50, c 30, a 10, e 1
    assert names(q) == ["d", "b", "c", "a", "e"]
    assert len(q) == 5
    assert q
    assert q.head().thread.name == "d"
    assert [t.name for t in q.threads()] == ["d", "b", "c", "a", "e"]


def test_fifo_among_equals_by_seq():
    q = WaitQueue()
    for i, n in enumerate("abcd", start=1):
        q.push(trap(n, 20, i))
    assert names(q) == ["a", "b", "c", "d"]
    # an equal-priority trap with a later seq goes behind all of them,
    # a more urgent one in front, a less urgent one at the back
    q.push(trap("x", 20, 5))
    q.push(trap("h", 21, 6))
    q.push(trap("l", 19, 7))
    assert names(q) == ["h", "a", "b", "c", "d", "x", "l"]


def test_seq_not_push_order_decides_among_equals():
    # push order differs from arrival order: seq wins
    q = WaitQueue()
    q.push(trap("third", 5, 3))
    q.push(trap("first", 5, 1))
    q.push(trap("second", 5, 2))
    assert names(q) == ["first", "second", "third"]


def test_pop_serves_head_in_order():
    q = WaitQueue()
    q.push(trap("a", 10, 1))
    q.push(trap("b", 30, 2))
    q.push(trap("c", 10, 3))
    q.push(trap("d", 30, 4))
    # b and d (30) in arrival order, then a and c (10) in arrival order
    assert [q.pop().thread.name for _ in range(4)] == ["b", "d", "a", "c"]
    assert not q


def test_remove():
    q = WaitQueue()
    ts = [trap(n, p, i) for i, (n, p) in
          enumerate([("a", 10), ("b", 20), ("c", 10)], start=1)]
    for t in ts:
        q.push(t)
    assert names(q) == ["b", "a", "c"]
    assert q.remove(ts[0]) is True
    assert names(q) == ["b", "c"]
    # a trap not in the queue (or already removed) is reported, not an error
    assert q.remove(ts[0]) is False
    assert q.remove(trap("z", 10, 9)) is False
    assert names(q) == ["b", "c"]
    assert q.remove(ts[1]) is True
    assert q.remove(ts[2]) is True
    assert len(q) == 0


def test_remove_is_by_identity():
    # two traps of equal priority and seq are still different waiters
    q = WaitQueue()
    t1 = trap("a", 10, 1)
    t2 = trap("a", 10, 1)
    q.push(t1)
    q.push(t2)
    assert q.remove(t2) is True
    assert q.items == [t1]


def test_reposition_up_and_down():
    q = WaitQueue()
    ts = {}
    for i, (n, p) in enumerate([("a", 10), ("b", 10), ("c", 20),
                                ("d", 10)], start=1):
        ts[n] = trap(n, p, i)
        q.push(ts[n])
    assert names(q) == ["c", "a", "b", "d"]
    # d rises to 30: it moves to the front
    ts["d"].thread.priority = 30
    q.reposition(ts["d"])
    assert names(q) == ["d", "c", "a", "b"]
    # c drops to 10: among the 10s it takes its arrival place (seq 3),
    # after a (1) and b (2), and ahead of nobody else at 10
    ts["c"].thread.priority = 10
    q.reposition(ts["c"])
    assert names(q) == ["d", "a", "b", "c"]
    # d drops back to 10: its seq 4 puts it last among the 10s
    ts["d"].thread.priority = 10
    q.reposition(ts["d"])
    assert names(q) == ["a", "b", "c", "d"]


def test_reposition_keeps_arrival_order_among_new_equals():
    q = WaitQueue()
    ts = {}
    for i, (n, p) in enumerate([("a", 10), ("b", 20), ("c", 20),
                                ("d", 20)], start=1):
        ts[n] = trap(n, p, i)
        q.push(ts[n])
    assert names(q) == ["b", "c", "d", "a"]
    # a (arrived first) rises to the level of b, c, d: it goes in front of
    # them because it arrived before them, not behind (it is not a new
    # arrival)
    ts["a"].thread.priority = 20
    q.reposition(ts["a"])
    assert names(q) == ["a", "b", "c", "d"]
    # c rises above everyone, then returns: back between b and d
    ts["c"].thread.priority = 99
    q.reposition(ts["c"])
    assert names(q) == ["c", "a", "b", "d"]
    ts["c"].thread.priority = 20
    q.reposition(ts["c"])
    assert names(q) == ["a", "b", "c", "d"]


def test_reposition_without_priority_change_keeps_order():
    q = WaitQueue()
    ts = [trap(n, 7, i) for i, n in enumerate("abc", start=1)]
    for t in ts:
        q.push(t)
    q.reposition(ts[1])
    assert names(q) == ["a", "b", "c"]


def test_reposition_of_absent_trap_does_not_insert():
    q = WaitQueue()
    q.push(trap("a", 10, 1))
    stranger = trap("z", 99, 2)
    q.reposition(stranger)
    assert names(q) == ["a"]


def test_queue_never_calls_on_change():
    # the kernel calls on_change; the data structure must not (else the
    # owner's priority would be recomputed twice or at the wrong time)
    calls = []
    q = WaitQueue("m", lambda: calls.append(1))
    t = trap("a", 10, 1)
    q.push(t)
    q.reposition(t)
    q.remove(t)
    q.push(t)
    q.pop()
    assert calls == []


# -- serving waiters (with a kernel) ----------------------------------------

class Gate:
    """A sync object of the minimal kind: every wait blocks until the
    gate is served through its WaitQueue."""

    def __init__(self):
        self.q = WaitQueue(self)

    def _try(self, trap):
        from muos.traps import BLOCK
        return BLOCK

    def wait(self):
        return Trap(WAIT, self, None, self.q)


def test_wake_one_fail_one_wake_all_and_wake_serve_by_urgency():
    import muos
    gate = Gate()
    log = []

    async def waiter(name):
        try:
            v = await gate.wait()
            log.append((muos.now(), name, v))
        except KeyError as e:
            log.append((muos.now(), name, "raised %s" % e))

    async def server():
        # at 1: four waiters queue, most urgent first: C(30) B(20) D(20)
        # A(10) (D arrived after B). Serve: wake_one -> C at 1; fail_one
        # -> B raises at 2; wake(A's trap) -> A at 3; wake_all -> D at 4
        await muos.sleep_for(1)
        assert [t.thread.name for t in gate.q.items] == ["C", "B", "D",
                                                         "A"]
        assert gate.q.wake_one("one").name == "C"
        await muos.sleep_for(1)
        assert gate.q.fail_one(KeyError("k")).name == "B"
        await muos.sleep_for(1)
        a = [t for t in gate.q.items if t.thread.name == "A"][0]
        gate.q.wake(a, "chosen")
        await muos.sleep_for(1)
        assert gate.q.wake_all("all") == 1
        assert gate.q.wake_one("none") is None
        assert gate.q.fail_one(KeyError("none")) is None

    async def main():
        for name, p in (("A", 10), ("B", 20), ("C", 30), ("D", 20)):
            muos.spawn(waiter, name, name=name, priority=p)
        await muos.spawn(server, priority=100).join()
        await muos.sleep_for(1)

    muos.run(main)
    assert log == [(1, "C", "one"), (2, "B", "raised 'k'"),
                   (3, "A", "chosen"), (4, "D", "all")]
