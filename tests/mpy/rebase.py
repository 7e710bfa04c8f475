"""A kernel that moves its time origin every tick (rebase.py, forced by
``units.REBASE_TICKS``) prints what it prints without: periodic jobs,
a semaphore fed by a timer, an interrupt line, a watchdog, EDF
deadlines and the statistics report, on both interpreters."""

import muos
from muos import units


def program():
    log = []
    k = muos.Kernel(edf=True)
    sem = muos.Semaphore(0, name="sem")
    wd = muos.Watchdog(4, name="wd")
    irq = k.interrupt("pin", lambda: log.append(("irq", k.now)), cost=0.25)
    irq.trigger_every(5, offset=2)

    async def job(period):
        async for j in muos.periodic(period, deadline=period - 1):
            await muos.busy(1)
            log.append(("job", period, j.index, j.release, j.deadline,
                        muos.now()))
            if j.index == 3:
                break

    async def waiter():
        tm.start(3)
        wd.register()
        for _ in range(4):
            await sem.wait()
            wd.feed()
            log.append(("sem", muos.now(), wd.status().deadline))
        wd.unregister()

    tm = muos.Timer(sem.post, periodic=True, name="tm")
    k.spawn(job, 4, name="j4")
    k.spawn(job, 6, name="j6")
    k.spawn(waiter, name="waiter")
    k.run(until=30)
    tm.stop()
    log.append(("end", k.now, k.stats.elapsed, wd.log))
    report = str(k.stats)
    k.close()
    return log, report, k._epoch_ticks


units.REBASE_TICKS = None
plain, plain_report, e0 = program()
units.REBASE_TICKS = 1
moved, moved_report, e1 = program()
units.REBASE_TICKS = None
for entry in plain:
    print(entry)
print("same with a rebase every tick:", moved == plain,
      moved_report == plain_report, e0, e1)
