# Event flags, message queues, condition variables, memory pools, wait_any.
import muos

log = []


def say(*a):
    log.append((muos.now(),) + a)


def show(title):
    global log
    print(title)
    for x in log:
        print("  ", x)
    log = []


flags = muos.EventFlags("ev")


async def waiter_all():
    say("all got", await flags.wait(0b011))
    say("value", flags.value)


async def waiter_any():
    say("any got", await flags.wait(0b100, mode=muos.ANY, clear=False))
    say("timed", await flags.timed_wait(0b1000, 3))


async def flags_main():
    muos.spawn(waiter_all, priority=50)
    muos.spawn(waiter_any, priority=60)
    await muos.sleep_for(1)
    say("set", flags.set(0b001))
    await muos.sleep_for(1)
    say("set", flags.set(0b110))
    await muos.sleep_for(10)
    say("try", flags.try_wait(0, clear=True), flags.value)


muos.run(flags_main)
show("flags")

q = muos.MessageQueue(2, name="q")


async def producer():
    for i in range(5):
        await q.send("m%d" % i, priority=i % 2)
        say("sent", i, len(q))


async def consumer():
    await muos.sleep_for(3)
    for _ in range(5):
        say("recv", await q.receive())
        await muos.sleep_for(1)
    try:
        q.try_receive()
    except muos.Empty:
        say("empty")
    try:
        await q.timed_receive(2)
    except muos.Empty:
        say("timed out")


async def mq_main():
    muos.spawn(producer, priority=40)
    c = muos.spawn(consumer, priority=30)
    await c.join()


muos.run(mq_main)
show("message queue")

m = muos.Mutex("m")
cv = muos.ConditionVariable("cv")
items = []


async def cv_consumer(tag):
    async with m:
        while not items:
            await cv.wait(m)
        say(tag, "took", items.pop(0), m.owner.name)


async def cv_main():
    muos.spawn(cv_consumer, "c1", name="c1", priority=50)
    muos.spawn(cv_consumer, "c2", name="c2", priority=60)
    await muos.sleep_for(2)
    async with m:
        items.append("x")
        items.append("y")
        cv.notify_all()
    await muos.sleep_for(2)
    async with m:
        say("timed", await cv.timed_wait(m, 5), m.owner.name)


muos.run(cv_main)
show("condition variable")

pool = muos.MemoryPool(2, 16, name="pool")


async def user(tag, hold):
    b = await pool.alloc()
    b[0] = len(tag)
    say(tag, "alloc", pool.count)
    await muos.sleep_for(hold)
    pool.free(b)
    say(tag, "free", pool.count)


async def pool_main():
    for i in range(3):
        muos.spawn(user, "u%d" % i, 2 + i, priority=40 + i)
    await muos.sleep_for(20)
    b = pool.try_alloc()
    pool.free(b)
    try:
        pool.free(b)
    except ValueError:
        say("double free rejected")
    try:
        pool.free(bytearray(16))
    except ValueError:
        say("foreign block rejected")
    say("timed", await pool.timed_alloc(1) is not None)


muos.run(pool_main)
show("memory pool")

sem = muos.Semaphore(0, name="s")
q2 = muos.MessageQueue(1, name="q2")
ev = muos.EventFlags("e")


async def any_main():
    async def poster():
        await muos.sleep_for(3)
        q2.try_send("hello")
        sem.post()

    muos.spawn(poster, priority=10)
    say("any", await muos.wait_any(sem.wait(), q2.receive(), ev.wait(1)))
    say("sem left", sem.value, "q2 left", len(q2))
    say("any", await muos.wait_any(sem.wait(), ev.wait(1), timeout=2))
    say("any", await muos.wait_any(sem.wait(), ev.wait(1), timeout=2))
    say("sem left", sem.value)


muos.run(any_main)
show("wait_any")


# -- one trap awaited by two threads: the second await is refused -------------
# (issue 14 #8) first waits on the trap from tick 0; second awaits the same
# trap at tick 1 and gets RuntimeError; the post at 2 completes first's wait
gate = muos.Semaphore(0, name="gate")
shared = []


async def twice_main():
    async def first():
        t = gate.wait()
        shared.append(t)
        say("first got", await t)

    async def second():
        await muos.sleep_for(1)
        try:
            await shared[0]
        except RuntimeError:
            say("second refused")

    muos.spawn(first)
    muos.spawn(second)
    await muos.sleep_for(2)
    gate.post()
    await muos.sleep_for(1)


muos.run(twice_main)
show("awaited twice")
