"""After a warm-up, threads switch with the heap locked (issue 16 #4):
each case runs its switching loop a few rounds, then again under
``micropython.heap_lock()``, on SimPort and on MachinePort; it prints
"<case> on <port>: ok" or what failed. MicroPython only (run by
tests/test_heap_lock.py on the WebAssembly, unix and Cortex-M3 builds)."""

import sys

import micropython
import muos
from muos.ports.micropython import MachinePort

WARM = 8         # rounds before the heap is locked
LOCKED = 24      # rounds with the heap locked
_result = []


def locked(body, warm=WARM):
    """Run ``body(i)`` (an awaitable per round) warm + LOCKED times, the
    heap locked for the last LOCKED; the outcome goes to _result."""
    async def run():
        for i in range(warm + LOCKED):
            if i == warm:
                micropython.heap_lock()
            try:
                await body(i)
            except MemoryError:
                micropython.heap_unlock()
                _result.append("allocates in round %d" % (i - warm))
                return
        micropython.heap_unlock()
        _result.append("ok")
    return run


def case(name, port, main, late=False):
    """Run case ``main`` on ``port``; ``late``: after 2.5 s of kernel
    time first (simulated), past 2**30 ns: on a 32-bit port the kernel
    has moved its time origin by then (rebase.py), so that its times are
    small ints again."""
    del _result[:]

    async def after():
        await muos.sleep_for(2500)
        await main()

    try:
        muos.run(after if late else main, port=port(),
                 edf=(main is edf_jobs))
    except MemoryError:
        micropython.heap_unlock()
        _result.append("the kernel allocates")
    print("%s on %s%s: %s" % (name, port.__name__,
                              ", after 2.5 s" if late else "",
                              _result[0] if _result else "no result"))


async def long_sleeps():
    # 24 sleeps of 100 ms with the heap locked: 2.4 s, through several
    # moves of the time origin on a 32-bit port (one every 2**28 ns)
    await locked(lambda i: muos.sleep_for(100))()


async def first_moves():
    # locked from 75 ms on for 600 ms: through the first move of the time
    # origin (at about 0.54 s on a 32-bit port), whose first fold of a
    # thread's waits and CPU time would make its records: it waits for a
    # move with the heap free (rebase.py). First of the cases: no part
    # loaded at first use is loaded yet (a move once loaded the inversion
    # tracking's)
    await locked(lambda i: muos.sleep_for(25), 3)()


async def sleeps():
    await locked(lambda i: muos.sleep_for(1))()


async def yields():
    await locked(lambda i: muos.yield_now())()


def ponger():
    """(a, b, its thread): a thread that posts ``a`` for each ``b``."""
    a = muos.Semaphore(0)
    b = muos.Semaphore(0)

    async def pong():
        while True:
            await b.wait()
            a.post()

    return a, b, muos.spawn(pong, priority=100)


async def semaphores():
    a, b, p = ponger()

    def round_(i):
        b.post()
        return a.wait()
    await locked(round_)()
    p.kill()


async def mutexes():
    m = muos.Mutex()
    stop = [False]

    async def other():
        while not stop[0]:
            async with m:
                await muos.yield_now()

    o = muos.spawn(other)
    # (the rounds written out: a coroutine per round would allocate)
    for i in range(WARM + LOCKED):
        if i == WARM:
            micropython.heap_lock()
        try:
            async with m:
                await muos.yield_now()
        except MemoryError:
            micropython.heap_unlock()
            _result.append("allocates in round %d" % (i - WARM))
            break
    else:
        micropython.heap_unlock()
        _result.append("ok")
    stop[0] = True
    await o.join()


async def timed_waits():
    # a wait with a timeout that ends before it (a unit handed over), and
    # one that times out: the trap and the time-queue entry are reused
    a, b, p = ponger()
    idle = muos.Semaphore(0)

    def round_(i):
        if i % 2:
            return idle.timed_wait(1)      # nobody posts: times out
        b.post()
        return a.timed_wait(5)
    # a longer warm-up: the time queue's heap and buckets reach their
    # size once the cancelled timeouts of five instants ahead are there
    await locked(round_, 3 * WARM)()
    p.kill()


async def periodic_jobs():
    n = 0
    # 150 jobs first: the response times kept reach their full room
    # (RESPONSES_KEPT, doubled) before the heap is locked. A deadline far
    # beyond the period: on MachinePort a loaded machine may start a job
    # late, and a missed deadline is recorded (a Job of its own). (Not
    # farther: a deadline past 2**30 ns ahead, 1.07 s, is a long int on
    # a 32-bit port, which allocates.)
    async for _job in muos.periodic(2, deadline=200):
        n += 1
        if n == 150:
            micropython.heap_lock()
        if n == 150 + LOCKED:
            break
    micropython.heap_unlock()
    _result.append("ok")


async def interrupts():
    k = muos.current_kernel()
    s = muos.Semaphore(0)
    irq = k.interrupt("tick", s.post)
    irq.trigger_every(2)
    await locked(lambda i: s.wait())()
    irq.cancel()


async def queue_from_interrupt():
    # a handler sends (try_send), a thread receives
    k = muos.current_kernel()
    q = muos.MessageQueue(2)
    n = [0]

    def handler():
        n[0] += 1
        q.try_send(n[0] & 7)       # (small ints: nothing to allocate)

    irq = k.interrupt("rx", handler)
    irq.trigger_every(2)
    await locked(lambda i: q.receive())()
    irq.cancel()


async def queue_full():
    # a thread blocked sending on a full queue, completed by the
    # receiver; messages of priority 0 and of others, alternately
    full = muos.MessageQueue(1)

    async def consumer():
        while True:
            await full.receive()

    c = muos.spawn(consumer, priority=1)
    await locked(lambda i: full.send(i & 7, (i & 1) * 3))()
    c.kill()


async def flags_from_interrupt():
    # a handler sets flags, a thread waits for them (all, then any)
    k = muos.current_kernel()
    f = muos.EventFlags()
    irq = k.interrupt("flags", lambda: f.set(3))
    irq.trigger_every(2)
    await locked(lambda i: f.wait(3, muos.ALL if i % 2 else muos.ANY))()
    irq.cancel()


async def watchdog_fed():
    # a thread feeds a task watchdog (its timer re-armed, expiring with
    # nobody late) between sleeps; a longer warm-up: the timer's
    # interrupt line reaches its size over its first expiries
    wd = muos.Watchdog(5)
    wd.register()

    def round_(i):
        wd.feed()
        return muos.sleep_for(1)
    await locked(round_, 3 * WARM)()
    wd.unregister()


async def try_locks():
    # try_lock of a free mutex (then unlock) and of one another thread
    # holds, between sleeps
    free = muos.Mutex()
    held = muos.Mutex()

    async def holder():
        await held.lock()
        await muos.sleep_for(100000)

    h = muos.spawn(holder, priority=200)
    await muos.sleep_for(1)            # the holder locks it first

    def round_(i):
        if free.try_lock():
            free.unlock()
        if held.try_lock():
            raise AssertionError("try_lock of a held mutex succeeded")
        return muos.sleep_for(1)
    await locked(round_)()
    h.kill()


async def edf_jobs():
    # EDF (Kernel(edf=True)): two periodic threads whose jobs take the
    # CPU by deadline; main sleeps through them, locked. Their first 20
    # jobs overrun (a tick more than their period): the statistics keep
    # the last 16 misses (stats.MISSES_KEPT), so that a miss once the
    # heap is locked (a real port's jitter: MachinePort on a loaded
    # machine) reuses a record instead of making one
    async def job(period, deadline):
        async for j in muos.periodic(period, deadline=deadline):
            await muos.busy(period + 1 if j.index < 20 else 1)

    a = muos.spawn(job, 3, 3)
    b = muos.spawn(job, 4, 4)
    # a longer warm-up: the periodic threads' response records reach
    # their full room first (2 * RESPONSES_KEPT jobs, as periodic's 150
    # above). A round takes main about 2.4 ticks (the jobs come first):
    # 240 rounds are about 144 of b's jobs; the locked rounds end near
    # 0.63 s (the late cases below run it again past 2**30 ns)
    await locked(lambda i: muos.sleep_for(1), 30 * WARM)()
    a.kill()
    b.kill()


CASES = (("sleeps through the first time-origin move", first_moves),
         ("sleep_for", sleeps), ("yield_now", yields),
         ("semaphore ping-pong", semaphores),
         ("mutex with a waiter", mutexes),
         ("timed waits", timed_waits),
         ("periodic", periodic_jobs),
         ("interrupt waking a thread", interrupts),
         ("message queue", queue_from_interrupt),
         ("full message queue", queue_full),
         ("event flags", flags_from_interrupt),
         ("EDF periodic threads", edf_jobs),
         ("watchdog fed", watchdog_fed),
         ("mutex try_lock", try_locks))
for port in (muos.SimPort, MachinePort):
    for name, main in CASES:
        case(name, port, main)
# past 2**30 ns of kernel time (simulated: MachinePort would wait 2.5 s
# of real time per case); the kernel's paths are the same on both ports
for name, main in CASES + (("sleeps through time-origin moves",
                            long_sleeps),):
    case(name, muos.SimPort, main, late=True)
sys.stdout.write("done\n")
