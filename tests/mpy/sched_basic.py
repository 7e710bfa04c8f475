# Scheduler basics; run under CPython and MicroPython, outputs compared.
import muos

log = []


def say(*a):
    log.append((muos.now(),) + a)


async def worker(tag, n, work):
    for _ in range(n):
        await muos.busy(work)
        say(tag)


async def rr_main():
    muos.spawn(worker, "A", 3, 1, priority=50)
    muos.spawn(worker, "B", 3, 1, priority=50)
    await muos.sleep_for(100)


muos.run(rr_main)
print("round robin", log)

log = []


async def low():
    say("low start")
    await muos.busy(10)
    say("low end")


async def high():
    await muos.sleep_for(3)
    say("high start")
    await muos.busy(2)
    say("high end")


async def pre_main():
    muos.spawn(low, priority=10)
    muos.spawn(high, priority=20)
    await muos.sleep_for(50)


muos.run(pre_main)
print("preemption", log)

log = []


async def coop_main():
    muos.spawn(low, priority=10)
    muos.spawn(high, priority=20)
    await muos.sleep_for(50)


muos.run(coop_main, preemptive=False)
print("cooperative", log)


async def job_main():
    async def task(c):
        async for job in muos.periodic(5, start=0):
            await muos.busy(c)
            if job.index == 3:
                break

    muos.spawn(task, 2, name="fast", priority=30)
    muos.spawn(task, 2, name="slow", priority=20)
    await muos.sleep_for(40)


r = muos.run(job_main)
for name in ("fast", "slow"):
    st = r.stats.threads[name]
    print(name, st.response_times, st.max_response, st.deadline_misses,
          st.cpu_time, st.switches)
print("switches", r.stats.context_switches, "load", r.stats.cpu_load)


async def fail_main():
    async def bad():
        await muos.sleep_for(1)
        raise ValueError("boom")

    t = muos.spawn(bad)
    try:
        await t.join()
    except muos.ThreadError as e:
        print("join raised ThreadError:", type(e.exception).__name__,
              e.exception)
    print("state", t.state)
    return muos.now()


print("fail", muos.run(fail_main).value)


async def stall_main():
    await muos.Semaphore(0, name="never").wait()


try:
    muos.run(stall_main)
except muos.Stalled as e:
    print("stalled", e.blocked)

r = muos.run(rr_main, trace=True)
r2 = muos.run(rr_main, trace=True)
print("deterministic", r.trace.events == r2.trace.events,
      len(r.trace.events))
print(r.trace.timeline(0, 3))
