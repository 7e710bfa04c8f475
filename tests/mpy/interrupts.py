# Interrupts, critical sections, timers and clocks: the same tick logs
# under CPython and MicroPython (expected values derived in comments).
import muos

log = []


def say(*a):
    log.append((muos.now(),) + a)


def show(title, expected):
    print(title)
    for x in log:
        print(" ", x)
    assert log == expected, log
    del log[:]


def kernel():
    return muos.this_thread()._kernel


# 1. nesting: lo (1) 2..4, hi (5) 4..7, lo 7..9; equal priority waits:
# eq (1) triggered at 3 starts at 9, 9..10; the worker's 20 ticks lose
# 4 + 3 + 1 of CPU: done at 28
async def nesting():
    k = kernel()
    lo = k.interrupt("lo", lambda: say("lo", muos.in_isr()), priority=1,
                     cost=4)
    hi = k.interrupt("hi", lambda: say("hi"), priority=5, cost=3)
    eq = k.interrupt("eq", lambda: say("eq"), priority=1, cost=1)
    lo.trigger_at(2)
    hi.trigger_at(4)
    eq.trigger_at(3)

    async def worker():
        await muos.busy(20)
        say("worker done", muos.in_isr())

    w = muos.spawn(worker, priority=10)
    await w.join()
    return [(i.name, i.stats.count, i.stats.min, i.stats.max,
             i.stats.cpu_time) for i in (lo, hi, eq)]


r = muos.run(nesting)
show("nesting", [(2, "lo", True), (4, "hi"), (9, "eq"),
                 (28, "worker done", False)])
print(r.value)
# (name, count, min, max, cpu_time): eq waited 9 - 3
assert r.value == [("lo", 1, 0, 0, 4), ("hi", 1, 0, 0, 3),
                   ("eq", 1, 6, 6, 1)]

# 2. woken thread after nested handlers, with an entry cost of 1: lo at 5
# posts and triggers hi; hi 5..8 (2 + 1), lo 8..12 (3 + 1): worker at 12
sem = muos.Semaphore(0)
lines = {}


async def woken():
    async def worker():
        await sem.wait()
        say("worker woke")

    def h_lo():
        say("lo")
        sem.post()
        lines["hi"].trigger()
        say("lo end")

    k = kernel()
    lo = k.interrupt("lo", h_lo, priority=1, cost=3)
    lines["hi"] = k.interrupt("hi", lambda: say("hi"), priority=5, cost=2)
    muos.spawn(worker, priority=120)
    lo.trigger_at(5)
    await muos.busy(20)
    say("main done")          # 20 + 4 + 3


muos.run(woken, port=muos.SimPort(isr_entry_cost=1))
show("woken", [(5, "lo"), (5, "lo end"), (5, "hi"), (12, "worker woke"),
               (27, "main done")])


# 3. critical sections: disabled holds everything until the await after
# the exit; masked(3) lets p4 through at 1; p3, p2 wait for 6
async def critical():
    k = kernel()
    ps = [k.interrupt("p%d" % p, (lambda p=p: say("p%d" % p)), priority=p,
                      cost=1) for p in (2, 3, 4)]
    with muos.interrupts_disabled():
        ps[0].trigger()
        ps[0].trigger()                     # missed
        await muos.yield_now()              # no switch inside
        await muos.busy(1)
        say("disabled done")
    await muos.sleep_for(0)                 # p2 at 1, 1..2
    for irq in ps:
        irq.trigger_at(3)
    with muos.interrupts_masked(3):
        await muos.busy(5)                  # 2..3, p4 3..4, 4..8
        say("masked done")
    await muos.sleep_for(0)                 # p3 8..9, p2 9..10
    say("end")
    st = k.stats
    return (ps[0].stats.missed, st.longest_masked, st.masked_by,
            st.threads["main"].longest_masked)


r = muos.run(critical)
show("critical", [(1, "disabled done"), (1, "p2"), (3, "p4"),
                  (8, "masked done"), (8, "p3"), (9, "p2"), (10, "end")])
print(r.value)
assert r.value == (1, 6, "main", 6)       # masked 2..8


# 4. what a handler may call
async def contexts():
    k = kernel()
    m = muos.Mutex("m")
    q = muos.MessageQueue(2)
    f = muos.EventFlags()
    pool = muos.MemoryPool(2, 4)
    me = muos.this_thread()
    seen = []
    calls = [
        ("sem.wait", lambda: sem.wait()),
        ("m.lock", lambda: m.lock()),
        ("m.try_lock", lambda: m.try_lock()),
        ("m.unlock", lambda: m.unlock()),
        ("q.receive", lambda: q.receive()),
        ("pool.alloc", lambda: pool.alloc()),
        ("sleep_for", lambda: muos.sleep_for(1)),
        ("busy", lambda: muos.busy(1)),
        ("join", lambda: me.join()),
        ("rtclock.sleep_for", lambda: k.rtclock.sleep_for(1)),
    ]

    def handler():
        for name, call in calls:
            try:
                call()
                seen.append((name, "no error"))
            except muos.ContextError:
                seen.append((name, "ContextError"))
        seen.append(("post", sem.post()))
        seen.append(("set", f.set(3)))
        q.try_send("m1")
        seen.append(("try_receive", q.try_receive()))
        b = pool.try_alloc()
        seen.append(("count", pool.count))
        pool.free(b)
        muos.Timer(say, "timer").start(2)

    irq = k.interrupt("i", handler, cost=1)
    irq.trigger()
    await muos.sleep_for(5)
    return seen


r = muos.run(contexts)
show("contexts", [(2, "timer")])          # started at 0 for 2
for x in r.value:
    print(" ", x)
assert [x[1] for x in r.value[:10]] == ["ContextError"] * 10
assert r.value[10:] == [("post", True), ("set", 0), ("try_receive", "m1"),
                        ("count", 1)]


# 5. latency statistics: releases every 10, delayed by sections
async def latency():
    k = kernel()
    irq = k.interrupt("tick", lambda: None, priority=3)
    irq.trigger_every(10)
    await muos.sleep_until(9)
    with muos.interrupts_disabled():
        await muos.busy(3)                  # release 10 runs at 12
    await muos.sleep_until(29)
    with muos.interrupts_masked(3):
        await muos.busy(5)                  # release 30 runs at 34
    await muos.sleep_until(45)
    st = irq.stats
    return (st.count, st.min, st.max, int(st.mean * 10))   # 5 0 4 12


r = muos.run(latency)
print("latency", r.value)
assert r.value == (5, 0, 4, 12)


# 6. trigger_every and a periodic timer over many periods (no drift); a
# "hi" line holds the CPU 6..9 mod 70, delaying timer callbacks at 7 mod 70
async def periods():
    k = kernel()
    ticks = []
    times = []
    every = k.interrupt("every", lambda: ticks.append(muos.now()),
                        priority=2)
    every.trigger_every(7, offset=3)
    hi = k.interrupt("hi", lambda: None, priority=5, cost=3)
    hi.trigger_every(70, offset=6)

    def cb():
        times.append(muos.now())
        if len(times) == 1000:
            tm.stop()

    tm = muos.Timer(cb, periodic=True)
    tm.start(7)
    await muos.sleep_until(7100)
    every.cancel()
    hi.cancel()
    await muos.sleep_for(100)
    ok_every = ticks == [3 + 7 * i for i in range(len(ticks))]
    ok_timer = times == [7 * i + (2 if i % 10 == 1 else 0)
                         for i in range(1, 1001)]
    return (len(ticks), ok_every, len(times), ok_timer, times[:3],
            times[-2:])


r = muos.run(periods)
print("periods", r.value)
assert r.value == (1014, True, 1000, True, [9, 14, 21], [6993, 7000])
# every: 3 + 7i < 7100 -> i <= 1013: 1014 runs, none delayed (3 + 7i is
# never 6..8 mod 70); timer: 7 + 2, then 14, 21, ..., 7000


# 7. one-shot restart and stop, a handler that raises, a killer handler
async def one_shot():
    k = kernel()
    a = muos.Timer(say, "a")
    b = muos.Timer(say, "b")
    a.start(10)
    b.start(10)
    await muos.sleep_for(4)
    a.start(10)                             # 14
    b.stop()
    say("active", a.active, b.active)

    def bad():
        say("bad")
        raise ValueError("reported on stderr")

    k.interrupt("bad", bad, cost=1).trigger_at(20)
    await muos.sleep_until(20)              # bad 20..21
    say("main")

    async def victim():
        try:
            await muos.busy(10)
        finally:
            say("victim cleanup")

    v = muos.spawn(victim, priority=150)
    k.interrupt("killer", v.kill, priority=9, cost=2).trigger_at(25)
    await v.join()                          # victim 21..25, killed
    say("joined", v.state)                  # 25 + 2


muos.run(one_shot)
show("one-shot, raise, kill", [
    (4, "active", True, False), (14, "a"), (20, "bad"), (21, "main"),
    (25, "victim cleanup"), (27, "joined", "TERMINATED")])


# 8. clocks
async def clocks():
    k = kernel()
    await k.hrclock.sleep_for(1500000)
    say("hr", k.hrclock.now(), k.sysclock.now())
    await k.sysclock.sleep_until(2500)
    say("rt", k.rtclock.now())
    k.rtclock.set(1000)
    await k.rtclock.sleep_until(1002)       # 4 s
    say("rt", k.rtclock.now(), k.hrclock.now())
    await k.rtclock.sleep_for(1)
    say("rt", k.rtclock.now())


muos.run(clocks)
# set(1000) at 2.5 s: 1002 at 4 s, 1003 at 5 s
show("clocks", [(1.5, "hr", 1500000, 1.5), (2500, "rt", 2),
                (4000, "rt", 1002, 4000000000), (5000, "rt", 1003)])
