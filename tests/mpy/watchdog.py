"""muos.Watchdog under CPython and MicroPython: the same output.

On SimPort (exact ticks): a thread that feeds in time is never reported;
a starving one (a more urgent thread computing) is caught at last feed +
timeout, in interrupt context, once per lapse; the hardware watchdog is
fed only while every thread is on time; a thread that ends registered is
reported. On MachinePort over the fake board (fakeboard.py: a clock in
microseconds), the watchdog drives a fake ``machine.WDT`` that notes when
the board would have reset.
"""

import muos
from fakeboard import Board


class CountingWDT:
    """A hardware watchdog that notes the ticks it is fed at."""

    def __init__(self):
        self.fed = []

    def feed(self):
        self.fed.append(muos.now())


def on_timeout(t):
    try:
        muos.sleep_for(1)                  # blocking: refused in a handler
        refused = "no"
    except muos.ContextError:
        refused = "ContextError"
    calls.append((muos.now(), t.name, muos.in_isr(), refused))


calls = []


async def hog(*spans):
    for start, ticks in spans:
        await muos.sleep_until(start)
        await muos.busy(ticks)


async def feeder(wd, period, until):
    wd.register()
    while muos.now() < until:
        await muos.sleep_for(period)
        wd.feed()
    wd.unregister()


def sim():
    print("== SimPort")
    hw = CountingWDT()
    wd = muos.Watchdog(10, name="wd", on_timeout=on_timeout, hardware=hw)

    async def main():
        muos.spawn(feeder, wd, 4, 90, name="A", priority=10)
        muos.spawn(feeder, wd, 3, 90, name="B", priority=30)
        muos.spawn(feeder, wd, 9, 90, name="C", priority=5)
        muos.spawn(hog, (13, 30), (60, 20), name="hog", priority=20)
        await muos.sleep_until(100)

    r = muos.run(main, trace=True)
    # A (every 4) starves under the hog (20) at 13..43 and 60..80: fed at
    # 12 -> due by 22; fed at 43, 47, ..., 59 -> due by 69. C (5, every 9)
    # starves too: fed at 9 -> due by 19; then 43, 52 (due by 62; runs at
    # 80, late from 62). B (30) preempts the hog: never late
    for c in calls:
        print("on_timeout", c)
    print("log", wd.log)
    print("misses", wd.misses)
    evs = [(e[0] // 1000000, e[2], e[3], e[4]) for e in r.trace.events
           if e[1] == "watchdog"]
    print("trace", evs)
    print("hardware fed", len(hw.fed), "times, at", hw.fed)
    assert [c[0] for c in calls] == [19, 22, 62, 69]
    assert wd.log == [(19, "C"), (22, "A"), (62, "C"), (69, "A")]


def ended():
    print("== a thread that ends registered")
    calls[:] = []
    wd = muos.Watchdog(10, on_timeout=on_timeout)

    async def quitter():
        wd.register()
        await muos.sleep_for(5)
        wd.feed()                       # due by 15; never fed again

    async def main():
        q = muos.spawn(quitter, name="quitter")
        await muos.sleep_until(50)
        print("expired", [t.name for t in wd.expired], q.state)
        wd.unregister(q)
        print("after unregister", wd.threads, wd.expired)

    muos.run(main)
    print("reported", calls)            # once, at 15
    assert calls == [(15, "quitter", True, "ContextError")]


def errors():
    print("== bad arguments")
    for args, kw in (((0,), {}), ((-1,), {}), (("5",), {}),
                     ((10,), {"on_timeout": 3}),
                     ((10,), {"hardware": 3})):
        try:
            muos.Watchdog(*args, name="wd", **kw)
            print("accepted", args)
        except (TypeError, ValueError) as e:
            print(type(e).__name__, "names wd:", "'wd'" in e.args[0])


class FakeWDT:
    """machine.WDT on the fake board: notes when it would have reset the
    board (a gap between feeds longer than its timeout)."""

    def __init__(self, board, timeout):
        self.b = board
        self.timeout = timeout * 1000           # us
        self.due = board.total + self.timeout
        self.feeds = 0
        self.resets = []

    def feed(self):
        self.check()
        self.feeds += 1
        self.due = self.b.total + self.timeout

    def check(self):
        if self.b.total > self.due and not self.resets:
            self.resets.append(self.due)


def machine_port():
    print("== MachinePort, a fake board")
    board = Board()
    MachinePort = board.load()
    port = MachinePort()
    k = muos.Kernel(port)
    start = board.total
    wdt = FakeWDT(board, 150)                   # 150 ms
    late = []

    def note(t):
        # how late the report is, in whole ms (the clock runs here)
        late.append((t.name, int(muos.now() - wd.status(t).deadline)))

    wd = muos.Watchdog(50, name="wd", on_timeout=note, hardware=wdt)

    async def worker():
        wd.register()
        while muos.now() < 400:
            wd.feed()
            await muos.sleep_for(20)
        st = wd.status()
        wd.unregister()
        return st

    async def main():
        w = muos.spawn(worker, name="worker", priority=muos.Priority.LOW)
        muos.spawn(hog, (110, 200), name="hog", priority=muos.Priority.HIGH)
        return await w.join()

    t = k.spawn(main, name="main")
    k.run(stop_on=t)
    st = t.result
    wdt.check()
    # fed about every 20 ms up to about 100; the hog computes from 110 to
    # 310: the deadline (last feed + 50, about 150) passes, reported at
    # once; the hardware, fed last at about 100, would reset the board
    # 150 ms later, about 250 ms in
    print("reported", late, "misses", st.misses)
    print("deadline missed at about ms", int(wd.log[0][0]) // 10 * 10)
    resets = [(x - start) // 10000 * 10 for x in wdt.resets]
    print("hardware would reset at about ms", resets)
    print("hardware fed", wdt.feeds > 10)
    assert late == [("worker", 0)] and resets == [250]


sim()
ended()
errors()
machine_port()
