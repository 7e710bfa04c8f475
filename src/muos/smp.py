"""Several cores on simulated time: global scheduling with affinity.

Owns: ``Core`` (one CPU's state), ``setup`` (``Kernel(cores=N)``),
``place`` (which thread each core runs) and ``select`` (what the run
loop of kernel.py does next on several cores). Imports ``irq``,
``ready``, ``thread``, ``traps``.

How the one-core kernel is reused: the kernel's per-CPU fields
(``_current``, ``_last``, ``_slice_from``, ``_overhead``, ``_lock``,
``_isr``, ``_irqs``, ``idle``, ``_cpu``) always hold the state of one
core, the one the loop acts on (``load``); the others wait in their
``Core``. So every object, call and context check (a handler, a locked
or masked section: API.md, "caller's core only") works unchanged on
the core it runs on, and the one-core loop pays nothing for cores.

The rule (API.md, "Several cores"): at every instant the N most urgent
threads run, each on a core its affinity allows, placed greedily in
order of urgency: a thread keeps the core it runs on (or last ran on)
if that is allowed and still free, else takes the allowed free core
that is idle or runs the least urgent thread (lowest index among
equals). A core in a handler, paying kernel overhead, scheduler-locked
or masked keeps its thread, as does every core in cooperative mode. At
one instant cores act in index order, one action at a time (a handler
starts, a thread steps to its next await), and the placement is made
again after each: runs are deterministic.
"""

from .irq import Interrupts
from .ready import earlier
from .thread import READY, RUNNING, Thread, prime

__all__ = ("Core", "setup", "place", "select", "load")

_FIELDS = ("_current", "_last", "_slice_from", "_overhead", "_lock",
           "_isr", "_irqs", "idle", "_cpu")


class Core:
    """One CPU of a kernel with several: what the kernel's per-CPU
    fields hold while the loop acts on another core."""

    __slots__ = _FIELDS + ("idle_ns", "_next", "_free", "_cand")

    def __init__(self, index, irqs, idle):
        self._current = None
        self._last = None
        self._slice_from = 0
        self._overhead = 0
        self._lock = 0
        self._isr = 0
        self._irqs = irqs
        self.idle = idle
        self._cpu = index
        self.idle_ns = 0          # time its idle thread had it
        self._next = None         # placement: the thread it will run,
        self._free = False        # whether its thread may change,
        self._cand = False        # its thread not yet placed


def setup(k, n, idle_body):
    """Give kernel ``k`` ``n`` cores (n > 1), each with its interrupt
    controller and its idle thread ("idle0", "idle1", ...). Core 0 is
    loaded."""
    port = k.port
    if not getattr(port, "smp", False):
        raise ValueError("Kernel: cores=%d needs simulated time (SimPort): "
                         "%s runs one core" % (n, type(port).__name__))
    cores = []
    for i in range(n):
        irqs = k._irqs if i == 0 else Interrupts(k)
        idle = k._new_thread(idle_body(k), "idle%d" % i, 0)
        idle._coro.send(None)            # started (see Kernel.__init__)
        prime(k, idle)
        k._ready.remove(idle)            # a core's own, never placed
        idle._core = i
        cores.append(Core(i, irqs, idle))
    k._cores = cores
    k._done = []
    k.stats.set_cores(n)
    k.idle = cores[0].idle
    k._on = None
    load(k, cores[0])


def save(k):
    """Store the kernel's per-CPU fields back in the core they hold."""
    on = k._on
    if on is not None:
        on._current = k._current
        on._last = k._last
        on._slice_from = k._slice_from
        on._overhead = k._overhead
        on._lock = k._lock
        on._isr = k._isr


def load(k, c):
    """Make core ``c`` the one the kernel's per-CPU fields hold."""
    if k._on is c:
        return
    save(k)
    k._current = c._current
    k._last = c._last
    k._slice_from = c._slice_from
    k._overhead = c._overhead
    k._lock = c._lock
    k._isr = c._isr
    k._irqs = c._irqs
    k.idle = c.idle
    k._cpu = c._cpu
    k._on = c


def _before(a, b):
    """True when thread ``a`` is more urgent than ``b`` (a strictly
    greater key: priority, then deadline, none last)."""
    return a.priority > b.priority or (
        a.priority == b.priority and earlier(a._dl, b._dl))


def select(k, until_ns):
    """The next thing the run loop does on several cores: returns the
    thread to step now, its core loaded; None when a core acted (a
    handler started or returned) or time passed; False when nothing can
    ever happen again. Threads whose work ended at this instant step
    first, in core order (work that ends at t ends before anything due
    at t); then what is due fires, the threads are placed, and the
    first core (in index order) with something to do at this instant
    does it; when none has, time passes."""
    done = k._done
    while done:
        c = done.pop(0)
        save(k)
        cur = c._current
        if cur is not None and cur._work == 0 and cur.state == RUNNING:
            load(k, c)
            return cur
    cores = k._cores
    now = k._now
    tq = k._tq
    heap = tq._heap
    if heap and heap[0] <= now:     # (maybe only cancelled entries)
        load(k, cores[0])       # timers expire on core 0
        _fire_due(k, tq, now)
    for c in cores:
        # handlers come before any thread: those due start (and those
        # done return) before the placement, which then sees their cores
        # taken (a woken thread goes to an idle core, not under them)
        irqs = c._irqs
        if irqs.pending:
            load(k, c)
            if irqs.dispatch():
                return None
        st = irqs.stack
        if st and st[-1][1] <= 0:
            load(k, c)
            irqs.run_top(until_ns)          # only pops the frame
            return None
    place(k)
    for c in cores:
        cur = c._current
        if (cur is not None and cur._work == 0 and not c._irqs.stack
                and not c._overhead):
            load(k, c)
            return cur
    if not _advance(k, cores, until_ns):
        return False
    return None


def _fire_due(k, tq, now):
    """Everything due at ``now`` happens (kernel.py's loop, step 1):
    sleeps and timeouts end, interrupts are triggered, timers expire."""
    while True:
        nt = tq.next_time()
        if nt is None or nt > now:
            return
        e = tq.pop_earliest()
        while e is not None:
            p = e[1]
            en = e[2]
            if p is not None:
                e[1] = None
                if type(p) is Thread:
                    k._timeout(p)
                else:
                    p.fire(k)
            tq.recycle(e)            # fired or cancelled
            e = en


def place(k):
    """Decide which thread each core runs now, and switch them. Leaves
    no core loaded (the cores hold the state)."""
    save(k)
    k._on = None
    cores = k._cores
    ready = k._ready
    preemptive = k.preemptive
    nfree = 0            # cores whose thread may change
    nrun = 0             # of those, how many run a thread (not idle)
    least = None         # the least urgent of those threads
    need = False         # a placement may change something
    for c in cores:
        c._free = False
        cur = c._current
        # (states are thread.py's constants: compared by identity)
        if cur is not None and cur.state is not RUNNING:
            c._current = cur = None       # blocked, ended or yielded
        irqs = c._irqs
        if c._isr or irqs.stack or c._overhead or c._lock or irqs.mask:
            continue                      # keeps its thread
        if cur is None:
            need = True
        elif cur is not c.idle:
            if not preemptive:
                continue
            if _rotates(k, c, cur, ready):
                need = True
                c._current = None
            else:
                x = cur._x
                if (x is not None and x.affinity is not None
                        and c._cpu not in x.affinity):
                    need = True           # its affinity changed
                nrun += 1
                if least is None or _before(least, cur):
                    least = cur
        c._free = True
        nfree += 1
    if not nfree:
        return
    if not need:
        top = ready.top()
        if top is None:
            return
        if nrun == nfree and not _before(top, least):
            return        # every free core runs a thread at least as urgent
    _choose(cores, nfree, nrun, ready)
    for c in cores:
        if c._free:
            t = c._next
            if t is None:
                t = c.idle
            if t is not c._current:
                _switch(k, c, t, cores)
    for c in cores:
        c._next = None


def _rotates(k, c, cur, ready):
    """True when ``cur``'s round-robin slice on ``c`` ended with a thread
    of its key ready: it goes to the tail of its key."""
    if (k.time_slice is None or cur._work < 0
            or not ready.has_equal(cur.priority, cur._dl)
            or k._now < _slice_end(k, c)):
        return False
    cur.state = READY
    ready.push_tail(cur)
    if k._trace is not None:
        k._trace.on_ready(k, cur, "slice")
    return True


def _choose(cores, left, nrun, ready):
    """Set each free core's ``_next`` (a thread or None): the threads
    running on free cores and the ready ones merged in order of urgency
    (a running thread first among equal keys, then by core index), each
    placed on the core it runs or last ran on if allowed and free, else
    on the allowed free core running the least urgent thread (an idle
    core first; lowest index among equals)."""
    if nrun:
        for c in cores:             # the running candidates
            cur = c._current
            c._cand = (c._free and cur is not None and cur is not c.idle)
    it = None                  # the ready threads after the first
    top = nxt = ready.top()
    pending = False            # nxt was taken: fetch the next when needed
    while left:
        if pending:
            pending = False
            if it is not None:
                nxt = next(it, None)
            elif ready.has_more(top, top.priority):
                it = ready.ordered()
                next(it)               # (that is top)
                nxt = next(it, None)
            else:
                nxt = None             # (no iterator: the common case)
        r = None                   # the most urgent running candidate
        if nrun:
            for c in cores:
                if c._cand and (r is None
                                or _before(c._current, r._current)):
                    r = c
        if r is not None and (nxt is None
                              or not _before(nxt, r._current)):
            t = r._current
            r._cand = False
            nrun -= 1
        elif nxt is not None:
            t = nxt
            pending = True
        else:
            return
        x = t._x
        aff = None if x is None else x.affinity
        best = None
        for c in cores:
            if (not c._free or c._next is not None
                    or (aff is not None and c._cpu not in aff)):
                continue
            if c._cpu == t._core:
                best = c
                break
            if best is None or _less_urgent(c, best):
                best = c
        if best is not None:
            best._next = t
            left -= 1


def _less_urgent(c, best):
    """True when core ``c`` runs a less urgent thread than ``best`` (an
    idle core is the least urgent; ``c`` has the higher index)."""
    a = c._current
    b = best._current
    if b is None or b is best.idle:
        return False
    if a is None or a is c.idle:
        return True
    return _before(b, a)


def _switch(k, c, t, cores):
    old = c._current
    ready = k._ready
    if old is not None and old.state is RUNNING:
        if old is c.idle:
            old.state = READY
        elif not _placed(old, cores):
            old.state = READY             # preempted: keeps its place
            ready.push_head(old)
            if k._trace is not None:
                k._trace.on_preempt(k, old, t)
    if t is not c.idle:
        ready.remove(t)                   # (not listed if it migrates)
        if t._core >= 0 and t._core != c._cpu:
            t._extra().migrations += 1
    t._core = c._cpu
    t.state = RUNNING
    c._current = t
    c._slice_from = k._now
    prev = c._last
    if k._trace is not None:
        k._trace.on_switch(k, t, prev)
    if t is not prev:
        c._last = t
        t.switches += 1
        if k._switch_cost:
            c._overhead += k._switch_cost
    if t is c.idle and k._dead * 4 >= len(k._threads) > 0:
        t._work = 0                      # reclaim before sleeping again


def _placed(t, cores):
    """True when ``t`` was placed on a core."""
    for c in cores:
        if c._next is t:
            return True
    return False


def _slice_end(k, c):
    tick = k._tick
    return (c._slice_from // tick + k.time_slice) * tick


def _advance(k, cores, until_ns):
    """Let time pass on every core up to the next event (the cores whose
    thread's work ends then go to ``k._done``); False when nothing lies
    ahead."""
    save(k)
    now = k._now
    target = k._tq.next_time()
    ready = k._ready
    tc = k._tick_cost
    tick = k._tick
    nb = (now // tick + 1) * tick     # the next tick boundary
    for c in cores:
        st = c._irqs.stack
        if st:
            end = now + st[-1][1]
        elif c._overhead:
            end = now + c._overhead
        else:
            cur = c._current
            if cur is None or cur._work <= 0:
                continue                   # idle, or spinning
            end = now + cur._work
            if (k.time_slice is not None and k.preemptive and not c._lock
                    and not c._irqs.mask
                    and ready.has_equal(cur.priority, cur._dl)):
                se = _slice_end(k, c)
                if now < se < end:
                    end = se
            if tc and nb < end:
                end = nb       # the tick interrupt steals tc from its work
        if target is None or end < target:
            target = end
    if until_ns is not None and (target is None or target > until_ns):
        target = until_ns
    if target is None:
        return False
    new = k.port.advance(target, True)
    dt = new - now
    k._now = new
    if dt <= 0:
        return True
    stats = k.stats
    done = k._done
    for c in cores:
        st = c._irqs.stack
        if st:
            frame = st[-1]
            frame[1] -= dt
            frame[0].stats._cpu += dt
            continue
        if c._overhead:
            c._overhead = max(0, c._overhead - dt)
            continue
        cur = c._current
        if cur is None or cur is c.idle:
            c.idle_ns += dt
            c.idle.cpu_ns += dt
            stats.on_core_idle(c._cpu, dt)
            continue
        cur.cpu_ns += dt
        if cur._work > 0:
            cur._work -= dt
            if tc and new % tick == 0:
                c._overhead += tc     # (as power.advance)
            if cur._work <= 0:
                cur._work = 0
                done.append(c)
    k._on = None                 # (the cores hold the state)
    return True
