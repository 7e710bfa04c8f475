"""MachinePort on a fake board: the same logic under CPython and MicroPython.

A fake ``machine`` (Pin, Timer, lightsleep), ``time`` (ticks_us & co.) and
``micropython`` (schedule) are put into sys.modules before the port is
imported (fakeboard.py). Their clock wraps around every 2**20 us (about
1 s, against 17.9 min on a board) and every ticks_us() call costs 7 us of
CPU, so a run of a few seconds crosses several wraps. Checked: sleeps,
periodic jobs, busy work, Pin and Timer interrupts through
``port.irq_handler`` (also when micropython.schedule refuses), an idle
kernel with nothing timed waiting for a pin, in lightsleep and in
sleep_ms slices.
"""

import muos
from muos.compat import MICROPYTHON
from fakeboard import Board

board = Board()                   # the first wrap comes 0.3 s in
MachinePort = board.load()
mp = board.mp
Pin = board.machine.Pin
Timer = board.machine.Timer

US = 1000                 # ns


def scenario(lightsleep):
    print("== lightsleep" if lightsleep else "== sleep_ms slices")
    port = MachinePort(lightsleep=lightsleep)
    k = muos.Kernel(port)
    start = board.total
    wraps0 = board.wraps
    sleeps0 = board.machine.sleeps
    hr = k.hrclock.now
    log = []

    def say(what):
        log.append((hr() // US, what))

    button = muos.Semaphore(0)
    pin = Pin(0, Pin.IN)
    b_irq = k.interrupt("button", button.post, priority=2)
    pin.irq(handler=port.irq_handler(b_irq), trigger=Pin.IRQ_FALLING,
            hard=True)
    ticks = []
    t_irq = k.interrupt("timer", lambda: ticks.append(hr() // US))
    tim = Timer(0)
    tim.init(mode=Timer.PERIODIC, period=250,
             callback=port.irq_handler(t_irq))
    late = []
    edges = [start + 700000, start + 1900000, start + 2600000,
             start + 4200000]
    for e in edges:
        pin.edge_at(e)

    async def sampler():
        async for job in muos.periodic(100, start=0):
            late.append(hr() - job.release * 1000000)
            if job.index == 29:
                return

    async def sleeper():
        for _ in range(4):
            t0 = hr()
            await muos.sleep_for(350)
            d = (hr() - t0) // US
            say("slept %d us" % d)
            assert 350000 <= d < 352000, d

    async def cruncher():
        t0 = hr()
        await muos.busy(600)             # preempted by everything else
        say("busy(600) done after %d us" % ((hr() - t0) // US))
        assert hr() - t0 >= 600 * 1000000

    async def presses():
        for i in range(len(edges)):
            if i == 2:
                mp.full = True           # the hard IRQ cannot schedule
            await button.wait()
            mp.full = False
            lat = hr() - (edges[i] - start) * US
            say("button %d, %d us after the edge" % (i, lat // US))
            assert 0 <= lat < 2000 * US, lat
            if i == 2:
                tim.deinit()             # nothing timed left after this

    async def main():
        muos.spawn(sampler, name="sampler", priority=muos.Priority.HIGH)
        muos.spawn(sleeper, name="sleeper", priority=muos.Priority.NORMAL)
        muos.spawn(cruncher, name="cruncher", priority=muos.Priority.LOW)
        await muos.spawn(presses, name="presses",
                         priority=muos.Priority.ABOVE_NORMAL).join()
        return hr() // US

    t = k.spawn(main, name="main")
    k.run(stop_on=t)
    assert t.exception is None, t.exception
    for when, what in log:
        print(when, what)
    # (the port's clock counts from the kernel's time origin, which a
    # 32-bit board moves: rebase.py)
    print("end at", t.result, "us; kernel ns match the fake clock:",
          port.now() + k._epoch == (board.total - start) * US)
    print("wraps", board.wraps - wraps0, "lightsleeps",
          board.machine.sleeps - sleeps0)
    assert board.wraps - wraps0 >= 3
    print("sampler lateness us: max", max(late) // US, "jobs", len(late))
    assert len(late) == 30 and min(late) >= 0 and max(late) < 2000 * US
    print("timer ticks", len(ticks), [x // 1000 for x in ticks])
    assert len(ticks) >= 9
    st = b_irq.stats
    print("button irq: count", st.count, "max latency us", st.max_ns // US)
    assert st.count == 4 and st.max_ns < 2000 * US
    print("last wait was untimed:", k._tq.next_time() is None)


scenario(True)
scenario(False)
print("schedule refused", mp.refused, "irqs", board.irqs)
# a board's program on MachinePort never loads SimPort's module (its
# kernel asks whether its port is one without importing it)
import sys  # noqa: E402
print("sim.py loaded:", MICROPYTHON and "muos.ports.sim" in sys.modules)
