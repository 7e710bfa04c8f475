# Mutexes with inheritance, semaphores, deadlocks, robustness.
import muos

m1 = muos.Mutex("m1")
m2 = muos.Mutex("m2")
log = []


def say(*a):
    log.append((muos.now(),) + a)


async def L():
    async with m1:
        say("L has m1")
        await muos.busy(10)
    say("L done", muos.this_thread().priority)


async def M():
    await muos.sleep_for(1)
    async with m2:
        say("M has m2")
        await m1.lock()
        say("M has m1")
        m1.unlock()


async def H():
    await muos.sleep_for(2)
    await m2.lock()
    say("H has m2")
    m2.unlock()


async def chain_main():
    lt = muos.spawn(L, priority=10)
    muos.spawn(M, priority=20)
    muos.spawn(H, priority=30)
    await muos.sleep_for(1.5)
    say("prio L", lt.priority)
    await muos.sleep_for(1)
    say("prio L", lt.priority)
    await muos.sleep_for(20)


muos.run(chain_main)
for x in log:
    print(x)

sem = muos.Semaphore(0, name="items")
got = []


async def consumer(tag):
    while True:
        await sem.wait()
        got.append((muos.now(), tag))


async def pc_main():
    muos.spawn(consumer, "c-low", priority=10)
    muos.spawn(consumer, "c-high", priority=20)
    await muos.sleep_for(1)
    for _i in range(3):
        sem.post()
        await muos.sleep_for(1)
    print("timed", await sem.timed_wait(4), muos.now())


muos.run(pc_main)
print("consumed", got)

x = muos.Mutex("x")
y = muos.Mutex("y")


async def a():
    async with x:
        await muos.sleep_for(1)
        await y.lock()


async def b():
    async with y:
        await muos.sleep_for(2)
        try:
            await x.lock()
        except muos.DeadlockError as e:
            print("deadlock", [t.name for t in e.cycle])


async def dl_main():
    muos.spawn(a, name="A")
    muos.spawn(b, name="B")
    await muos.sleep_for(10)


muos.run(dl_main)

r = muos.Mutex("r", robust=True)


async def dies():
    await r.lock()
    await muos.sleep_for(1)


async def robust_main():
    muos.spawn(dies, name="dies")
    await muos.sleep_for(2)
    try:
        await r.lock()
    except muos.OwnerDead:
        print("owner dead, owner now", r.owner.name)
    r.consistent()
    r.unlock()
    print("relock", await r.timed_lock(1))


muos.run(robust_main)
