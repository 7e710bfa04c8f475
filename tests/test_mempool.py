"""MemoryPool: fixed blocks as memoryviews over one preallocated buffer,
alloc / try_alloc / timed_alloc, free handing a block straight to the most
urgent waiter, foreign and double frees rejected, capacity / count /
block_size, interrupts, contexts and priority changes of waiters.

SimPort with zero overheads: every logged tick is exact. Workers run at
priorities below main (96), which spawns them and joins them all.
"""

import pytest

import muos
from muos import ContextError, Interrupted, MemoryPool
from objects_support import Log, me, play


# -- construction and plain calls --------------------------------------------

@pytest.mark.parametrize("blocks, size, exc, shown", [
    (0, 8, ValueError, "0"), (-1, 8, ValueError, "-1"),
    (2, 0, ValueError, "0"), (2, -4, ValueError, "-4"),
    (2.0, 8, TypeError, "2.0"), (2, "8", TypeError, "'8'"),
    (None, 8, TypeError, "None"), (2, True, TypeError, "True"),
])
def test_bad_arguments(blocks, size, exc, shown):
    with pytest.raises(exc) as ei:
        MemoryPool(blocks, size, name="pool")
    assert "'pool'" in str(ei.value) and shown in str(ei.value)


def test_properties():
    p = MemoryPool(3, 16, name="pool")
    assert (p.capacity, p.count, p.block_size, p.name) == (3, 0, 16, "pool")
    assert "'pool'" in repr(p)
    assert MemoryPool(1, 1).name is None


def test_blocks_are_disjoint_memoryviews_over_one_buffer():
    p = MemoryPool(4, 8)
    blocks = [p.try_alloc() for _ in range(4)]
    assert p.count == 4
    assert p.try_alloc() is None            # exhausted: None, no raise
    assert p.count == 4
    for b in blocks:
        assert type(b) is memoryview
        assert len(b) == 8 and b.nbytes == 8 and not b.readonly
    # one preallocated buffer under all of them
    assert len({id(b.obj) for b in blocks}) == 1
    assert len(blocks[0].obj) == 32
    # writing a block touches only its own bytes
    for i in range(4):
        blocks[i][:] = bytes([i + 1]) * 8
    for i in range(4):
        assert bytes(blocks[i]) == bytes([i + 1]) * 8
    assert bytes(blocks[0].obj) == b"".join(bytes([i + 1]) * 8
                                            for i in range(4))
    assert len({id(b) for b in blocks}) == 4


def test_free_makes_the_block_available_again():
    p = MemoryPool(2, 4)
    a = p.try_alloc()
    b = p.try_alloc()
    assert p.count == 2
    assert p.free(a) is None
    assert p.count == 1
    c = p.try_alloc()
    assert c is a                            # the same block comes back
    p.free(b)
    p.free(c)
    assert p.count == 0


def test_foreign_blocks_are_rejected():
    p = MemoryPool(2, 4, name="pool")
    other = MemoryPool(2, 4)
    a = p.try_alloc()
    ob = other.try_alloc()
    for bad in [memoryview(bytearray(4)), bytearray(4), ob, a[0:4], a[1:3],
                memoryview(a), None, 0]:
        with pytest.raises(ValueError) as ei:
            p.free(bad)
        assert "'pool'" in str(ei.value)
    assert (p.count, other.count) == (1, 1)
    p.free(a)
    other.free(ob)
    assert (p.count, other.count) == (0, 0)


def test_double_free_is_rejected():
    p = MemoryPool(2, 4, name="pool")
    a = p.try_alloc()
    p.free(a)
    with pytest.raises(ValueError) as ei:
        p.free(a)
    assert "'pool'" in str(ei.value)
    assert p.count == 0
    b = p.try_alloc()
    c = p.try_alloc()
    p.free(c)
    with pytest.raises(ValueError):
        p.free(c)
    assert p.count == 1
    # the rejected frees did not corrupt the free list: two distinct
    # blocks, then none
    p.free(b)
    x, y = p.try_alloc(), p.try_alloc()
    assert x is not y and {id(x), id(y)} == {id(b), id(c)}
    assert p.try_alloc() is None


# -- alloc --------------------------------------------------------------------

def test_alloc_blocks_until_a_free_hands_the_block_over():
    log = Log()
    p = MemoryPool(1, 8, name="pool")
    held = []

    async def holder():
        b = await p.alloc()
        held.append(b)
        log("H alloc", p.count)
        await muos.sleep_for(3)
        p.free(b)
        log("H free", p.count)

    async def waiter():
        log("W waits")
        b = await p.alloc()
        log("W alloc", b is held[0], p.count)
        p.free(b)
        log("W free", p.count)

    play(("H", 30, holder), ("W", 20, waiter))
    # H takes the only block at 0; W waits. At 3 the free hands the block
    # straight to W: it stays allocated (count 1), and W runs when H ends
    assert log == [(0, "H alloc", 1), (0, "W waits"), (3, "H free", 1),
                   (3, "W alloc", True, 1), (3, "W free", 0)]


def test_no_barging_by_a_third_thread():
    log = Log()
    p = MemoryPool(1, 8)

    async def holder():
        b = await p.alloc()
        await muos.sleep_for(2)
        p.free(b)
        log("H free", p.try_alloc())     # the block is already W's

    async def waiter():
        b = await p.alloc()
        log("W alloc")
        p.free(b)

    play(("H", 30, holder), ("W", 10, waiter))
    assert log == [(2, "H free", None), (2, "W alloc")]


def test_waiters_served_by_priority_then_arrival():
    log = Log()
    p = MemoryPool(1, 8)
    first = p.try_alloc()

    def waiter(name, delay):
        async def w():
            await muos.sleep_for(delay)
            b = await p.alloc()
            log(name, "alloc")
            await muos.sleep_for(1)
            p.free(b)
        return w

    async def freer():
        await muos.sleep_for(5)
        p.free(first)

    play(("A", 20, waiter("A", 1)), ("B", 30, waiter("B", 3)),
         ("C", 20, waiter("C", 0)), ("D", 20, waiter("D", 2)),
         ("F", 10, freer))
    # queue B (30), then C (0), A (1), D (2); each holds it for one tick
    assert log == [(5, "B", "alloc"), (6, "C", "alloc"), (7, "A", "alloc"),
                   (8, "D", "alloc")]
    assert p.count == 0


# -- timed_alloc --------------------------------------------------------------

@pytest.mark.parametrize("ticks, expect", [
    (2, [(3, "W", None, 1)]),            # 1 + 2 = 3 < 5
    (1.5, [(2.5, "W", None, 1)]),
    (4, [(5, "W", True, 1)]),            # H's work ends at 5, the deadline
    (10, [(5, "W", True, 1)]),
])
def test_timed_alloc(ticks, expect):
    log = Log()
    p = MemoryPool(1, 8)

    async def holder():
        b = p.try_alloc()
        await muos.busy(5)
        p.free(b)

    async def waiter():
        await muos.sleep_for(1)
        b = await p.timed_alloc(ticks)
        log("W", None if b is None else len(b) == 8, p.count)

    play(("W", 20, waiter), ("H", 10, holder))
    assert log == expect


def test_timed_alloc_zero_does_not_wait():
    log = Log()
    p = MemoryPool(1, 8)

    async def w():
        b = await p.timed_alloc(0)
        log("first", b is not None, p.count)
        log("second", await p.timed_alloc(0), p.count)

    play(("W", 20, w))
    assert log == [(0, "first", True, 1), (0, "second", None, 1)]


@pytest.mark.parametrize("ticks, exc", [(-1, ValueError), ([], TypeError)])
def test_timed_alloc_bad_ticks_raise_at_the_call(ticks, exc):
    p = MemoryPool(1, 8, name="pool")
    seen = []

    async def w():
        try:
            p.timed_alloc(ticks)
        except exc as e:
            seen.append("'pool'" in str(e))

    play(("W", 20, w))
    assert seen == [True] and p.count == 0


# -- interrupts and kills -----------------------------------------------------

@pytest.mark.parametrize("form", ["alloc", "timed_alloc"])
def test_interrupted_waiter_takes_nothing(form):
    log = Log()
    p = MemoryPool(1, 8, name="pool")
    first = p.try_alloc()
    th = {}

    async def waiter():
        th["W"] = me()
        try:
            if form == "alloc":
                await p.alloc()
            else:
                await p.timed_alloc(50)
        except Interrupted as e:
            log("W Interrupted", me().interrupted, "'pool'" in str(e))

    async def ctl():
        await muos.sleep_for(2)
        th["W"].interrupt()
        await muos.sleep_for(1)
        p.free(first)
        log("C freed", p.count)

    play(("W", 20, waiter), ("C", 10, ctl))
    assert log == [(2, "W Interrupted", True, True), (3, "C freed", 0)]


def test_interrupted_flag_before_waiting():
    log = Log()
    p = MemoryPool(1, 8)

    async def w():
        me().interrupt()
        b = await p.alloc()              # a block is free: no wait
        log("first", b is not None)
        for call in (p.alloc, lambda: p.timed_alloc(3)):
            try:
                await call()
            except Interrupted:
                log("Interrupted", p.count)

    play(("W", 20, w))
    assert log == [(0, "first", True), (0, "Interrupted", 1),
                   (0, "Interrupted", 1)]


def test_killed_waiter_is_skipped():
    log = Log()
    p = MemoryPool(1, 8)
    first = p.try_alloc()
    th = {}

    async def victim():
        th["V"] = me()
        await p.alloc()

    async def other():
        b = await p.alloc()
        log("O alloc", p.count)
        p.free(b)

    async def ctl():
        await muos.sleep_for(1)
        th["V"].kill()
        p.free(first)

    play(("V", 30, victim), ("O", 20, other), ("C", 10, ctl))
    assert log == [(1, "O alloc", 1)]
    assert p.count == 0


# -- contexts -----------------------------------------------------------------

def test_blocking_forms_raise_context_error_outside_threads():
    p = MemoryPool(1, 4)
    with pytest.raises(ContextError):
        p.alloc()
    with pytest.raises(ContextError):
        p.timed_alloc(3)
    b = p.try_alloc()
    p.free(b)
    assert p.count == 0


def test_blocking_forms_raise_context_error_with_scheduler_locked():
    log = Log()
    p = MemoryPool(1, 4, name="pool")

    async def w():
        with muos.scheduler_locked():
            for form, call in [("alloc", p.alloc),
                               ("timed_alloc", lambda: p.timed_alloc(2))]:
                try:
                    call()
                except ContextError as e:
                    log(form, "ContextError", "'pool'" in str(e))
            b = p.try_alloc()
            log("try_alloc", len(b), p.count)
            p.free(b)
        b = await p.alloc()
        log("after", p.count)
        p.free(b)

    play(("W", 20, w))
    assert log == [(0, "alloc", "ContextError", True),
                   (0, "timed_alloc", "ContextError", True),
                   (0, "try_alloc", 4, 1), (0, "after", 1)]


# -- priority changes ---------------------------------------------------------

def test_priority_change_of_a_waiter_repositions_it():
    log = Log()
    p = MemoryPool(1, 4)
    first = p.try_alloc()
    th = {}

    def waiter(name):
        async def w():
            th[name] = me()
            b = await p.alloc()
            log(name, "alloc")
            await muos.sleep_for(1)
            p.free(b)
        return w

    async def ctl():
        await muos.sleep_for(1)
        th["A"].set_priority(50)
        th["B"].set_priority(5)
        p.free(first)

    play(("B", 40, waiter("B")), ("C", 30, waiter("C")),
         ("A", 20, waiter("A")), ("Ctl", 4, ctl))
    # B(40) C(30) A(20) becomes A(50) C(30) B(5): each holds one tick
    assert log == [(1, "A", "alloc"), (2, "C", "alloc"), (3, "B", "alloc")]


# -- a pool of buffers between threads ----------------------------------------

def test_buffers_pass_between_producer_and_consumer():
    log = Log()
    p = MemoryPool(2, 4, name="pool")
    q = muos.MessageQueue(4)

    async def producer():
        for i in range(4):
            b = await p.alloc()
            b[:] = bytes([i] * 4)
            await q.send(b)
            log("P sent", i, p.count)

    async def consumer():
        for _ in range(4):
            await muos.sleep_for(2)
            b = await q.receive()
            log("C got", bytes(b), p.count)
            p.free(b)

    play(("P", 30, producer), ("C", 20, consumer))
    # two buffers: P sends 0 and 1 at 0, then waits for a free buffer. C
    # frees one every 2 ticks, handing it to P, which refills it at once
    assert log == [(0, "P sent", 0, 1), (0, "P sent", 1, 2),
                   (2, "C got", b"\x00" * 4, 2), (2, "P sent", 2, 2),
                   (4, "C got", b"\x01" * 4, 2), (4, "P sent", 3, 2),
                   (6, "C got", b"\x02" * 4, 2), (8, "C got", b"\x03" * 4, 1)]
    assert p.count == 0


# -- interrupt handlers -------------------------------------------------------

def test_handler_frees_to_a_waiter_and_cannot_block():
    log = Log()
    p = MemoryPool(1, 4, name="pool")
    first = p.try_alloc()

    async def waiter():
        b = await p.alloc()
        log("W alloc", b is first, p.count)

    def handler():
        p.free(first)                     # handed straight to W
        log("isr", p.count, p.try_alloc())
        for form, call in [("alloc", p.alloc),
                           ("timed_alloc", lambda: p.timed_alloc(1))]:
            try:
                call()
            except ContextError:
                log(form, "ContextError")

    async def main():
        k = me()._kernel
        k.interrupt("irq", handler, cost=1).trigger_at(4)
        await muos.spawn(waiter, name="W", priority=20).join()

    muos.run(main)
    assert log == [(4, "isr", 1, None), (4, "alloc", "ContextError"),
                   (4, "timed_alloc", "ContextError"),
                   (5, "W alloc", True, 1)]
