# Deadlines, EDF and several cores; run under CPython and MicroPython,
# outputs compared.
import muos

log = []


def say(*a):
    log.append((muos.now(),) + a)


def worker(name, work, before=0):
    async def body():
        if before:
            await muos.sleep_for(before)
        say(name, "start", muos.this_core())
        await muos.busy(work)
        say(name, "end", muos.this_core())
    return body


# equal priority: earliest deadline first, none last
async def dl_main():
    for name, d in (("a", 30), ("b", 10), ("none", None), ("c", 20)):
        t = muos.spawn(worker(name, 2), name=name)
        if d is not None:
            t.set_deadline(d)
    await muos.sleep_for(50)


muos.run(dl_main, time_slice=None)
print("deadlines", log)


# EDF from periodic jobs: T1 (2, 5), T2 (4, 7)
def task(c, t):
    async def body():
        async for _ in muos.periodic(t, start=0):
            await muos.busy(c)
    return body


async def edf_main():
    muos.spawn(task(2, 5), name="T1").set_deadline(5)
    muos.spawn(task(4, 7), name="T2").set_deadline(7)
    muos.this_thread().set_priority(200)
    await muos.sleep_for(35)


for edf in (False, True):
    r = muos.run(edf_main, edf=edf, time_slice=None)
    for name in ("T1", "T2"):
        st = r.stats.threads[name]
        print("edf" if edf else "fifo", name, st.response_times,
              st.deadline_misses,
              [(j.index, j.release, j.deadline, j.finish)
               for j in st.misses])

# two cores: placement, affinity, an interrupt on core 1, migrations
log = []


async def smp_main():
    k = muos.current_kernel()
    k.interrupt("tim", lambda: say("isr", muos.this_core()), cost=2,
                core=1).trigger_at(1)
    muos.spawn(worker("lo", 6), name="lo", priority=50)
    muos.spawn(worker("mid", 6), name="mid", priority=60)
    muos.spawn(worker("hi", 2, before=1), name="hi", priority=200)
    muos.spawn(worker("pin", 1), name="pin", priority=40, affinity=1)
    await muos.sleep_for(20)


r = muos.run(smp_main, cores=2)
print("smp", log)
print("loads", [c.cpu_load for c in r.stats.cores],
      [(n, r.stats.threads[n].migrations) for n in ("lo", "mid", "hi")])

# a spinlock across two cores
log = []
sl = muos.Spinlock("bus")


async def holder():
    async with sl:
        say("A holds", muos.this_core())
        await muos.busy(5)


async def spinner():
    await muos.sleep_for(1)
    async with sl:
        say("B holds", muos.this_core())
        await muos.busy(1)


async def spin_main():
    muos.spawn(holder, name="A", priority=100)
    muos.spawn(spinner, name="B", priority=90)
    await muos.sleep_for(10)


r = muos.run(spin_main, cores=2)
print("spin", log, r.stats.threads["B"].cpu_time)
