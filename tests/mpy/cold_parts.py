"""Cold parts (compat.cold_part): a class's rarely used methods and
computed attributes live in another module, its base on CPython, loaded
at the first use of one of them on MicroPython. Both interpreters print
the same; on MicroPython the modules are checked to load only then.

The program below uses a Thread, the Kernel, Stats and a Mutex without
touching their cold parts, checks that (MicroPython) none is loaded, then
reads every kind of cold attribute: a method (join), a computed attribute
(result, cpu_load, locked), one read through a subclass's object (a
Kernel's ``now``, declared on KernelBase), one from a hot method of the
same class (Stats.retire, when a thread ends), and a missing name after
the part loaded (AttributeError, no loop)."""

import sys

import muos
from muos.compat import MICROPYTHON, cold_part, computed, computed_attrs

COLD = ("muos.threadapi", "muos.kernelapi", "muos.statsapi",
        "muos.mutexapi")


def loaded():
    return [m for m in COLD if m in sys.modules]


log = []


async def worker(m):
    await m.lock()
    log.append(("worker holds", muos.now()))
    await muos.sleep_for(2)
    m.unlock()
    return 7


async def main():
    m = muos.Mutex("m")
    muos.spawn(worker, m, priority=muos.Priority.HIGH)
    await muos.sleep_for(1)
    await m.lock()                  # waits for worker: tick 2
    log.append(("main holds", muos.now()))
    m.unlock()


k = muos.Kernel()
k.spawn(main)
k.run()
print(log)
# (the worker ended: Stats.retire, a cold method called by the kernel)
if MICROPYTHON:
    assert loaded() == ["muos.statsapi"], loaded()


async def joiner():
    t = muos.spawn(lambda: worker(m))
    if MICROPYTHON:
        assert "muos.threadapi" not in sys.modules
    v = await t.join()                         # a cold method
    return v, t.result, t.alive                # cold computed attributes


m = muos.Mutex("m2")
if MICROPYTHON:
    assert "muos.mutexapi" not in sys.modules
print("locked", m.locked, "waiters", m.waiters)   # Mutex's cold part
k2 = muos.Kernel()
t = k2.spawn(joiner)
k2.run()
print("joined", t.result, "now", k2.now, "threads", len(k2.threads))
print("load", k.stats.cpu_load, "switches", k.stats.context_switches)
for obj, name in ((t, "no_such"), (k2, "no_such"), (k.stats, "no_such"),
                  (m, "no_such")):
    try:
        getattr(obj, name)
        print("found", name)
    except AttributeError:
        print("AttributeError", type(obj).__name__, name)
if MICROPYTHON:
    assert loaded() == list(COLD), loaded()
    # merged, the parts' classes are dropped (their functions live on
    # the classes that own them): no second table of them on the heap
    for mod, part in (("muos.threadapi", "ThreadApi"),
                      ("muos.kernelapi", "KernelApi"),
                      ("muos.statsapi", "StatsApi"),
                      ("muos.mutexapi", "MutexApi")):
        assert not hasattr(sys.modules[mod], part), part
    # no interrupt line, timer nor critical section: the controller's
    # work never loaded (irqcontrol.py)
    assert "muos.irqcontrol" not in sys.modules


async def hand_over():
    s = muos.Semaphore()

    async def taker():
        await s.wait()
        return muos.now()

    t = muos.spawn(taker)
    await muos.sleep_for(3)
    s.post()                              # taker gets it at tick 3
    await muos.sleep_for(1)
    if MICROPYTHON:                       # a hand-over: no cold part
        assert "muos.semaphoreapi" not in sys.modules
    return t.result, s.value, s.try_wait()   # (value: the cold part)

print("hand-over", muos.run(hand_over).value)
if MICROPYTHON:
    assert "muos.semaphoreapi" in sys.modules


async def masked():
    with muos.interrupts_disabled():
        return muos.in_isr()

print("masked", muos.run(masked).value)
if MICROPYTHON:
    assert "muos.irqcontrol" in sys.modules


# the mechanism on a class of its own: a part in this very script,
# registered as the module muos._cold_test (MicroPython's main module is
# not in sys.modules: a class stands for the module there)
class PartBase:
    def own(self):
        return "own"


class Part(PartBase):
    def cold(self):
        return "cold " + self.own()

    @computed
    def doubled(self):
        return self.x * 2


computed_attrs(Part)
if MICROPYTHON:
    class ColdTest:
        Part = Part
    sys.modules["muos._cold_test"] = ColdTest
    Base = PartBase
else:
    Base = Part


class Hot(Base):       # (the pattern of compat.cold_part's doc)
    def __init__(self, x):
        self.x = x

    def own(self):
        return "hot own"


computed_attrs(Hot)
cold_part(Hot, "_cold_test", "Part", ("cold", "doubled"))


class Sub(Hot):          # (a table of its own: computed_attrs)
    @computed
    def tripled(self):
        return self.x * 3


computed_attrs(Sub)


print(Sub(4).doubled, Hot(5).cold(), Sub(1).cold(), Hot(3).doubled,
      Sub(2).tripled)
