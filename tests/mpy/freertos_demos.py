# FreeRTOS "Demo/Common/Minimal" behaviours re-expressed with muos:
# BlockQ (blocking queues), BlockTim (block times, waking order), countsem
# (counting semaphores, event counting from an interrupt), EventGroupsDemo
# (wait all/any, clear on exit, task rendezvous, bits from an interrupt)
# and QueueSet (one task blocked on several queues and a semaphore:
# wait_any). Each part prints its tick log and asserts it against the one
# derived in the comments.
import muos

log = []


def say(*a):
    log.append((muos.now(),) + a)


def show(title, expect):
    global log
    print(title)
    for x in log:
        print("  ", x)
    assert log == expect, (title, log)
    log = []


def kernel():
    return muos.this_thread()._kernel


# -- BlockQ 1: consumer more urgent than the producer -----------------------
# The consumer (20) blocks on an empty queue; the producer (10) posts
# without blocking every 2 ticks: each post hands the item straight to the
# consumer, which runs at the producer's next await (its sleep).

q1 = muos.MessageQueue(1, name="q1")


async def bq1_producer():
    for i in range(3):
        q1.try_send(i)
        say("P sent", i, len(q1))
        await muos.sleep_for(2)


async def bq1_consumer():
    expected = 0
    while True:
        try:
            v = await q1.timed_receive(10)
        except muos.Empty:
            say("C timeout")
            return expected
        assert v == expected
        expected += 1
        say("C got", v)


async def bq1_main():
    c = muos.spawn(bq1_consumer, name="C", priority=20)
    muos.spawn(bq1_producer, name="P", priority=10)
    return await c.join()


assert muos.run(bq1_main).value == 3
# posts at 0, 2, 4; the last receive times out at 4 + 10 = 14
show("BlockQ 1: consumer above producer", [
    (0, "P sent", 0, 0), (0, "C got", 0), (2, "P sent", 1, 0),
    (2, "C got", 1), (4, "P sent", 2, 0), (4, "C got", 2),
    (14, "C timeout")])

# -- BlockQ 2: producer more urgent than the consumer ------------------------
# The producer (20) blocks on a full queue of length 1; the consumer (10)
# polls every 3 ticks. Each poll lets the blocked item in at once; the
# consumer logs before the producer runs (its poll is a plain call).

q2 = muos.MessageQueue(1, name="q2")


async def bq2_producer():
    for i in range(4):
        await q2.send(i)
        say("P sent", i)


async def bq2_consumer():
    got = 0
    while got < 4:
        await muos.sleep_for(3)
        try:
            v = q2.try_receive()
        except muos.Empty:
            say("C empty")
            continue
        assert v == got
        got += 1
        say("C got", v, len(q2))


async def bq2_main():
    muos.spawn(bq2_producer, name="P", priority=20)
    await muos.spawn(bq2_consumer, name="C", priority=10).join()


muos.run(bq2_main)
# 0 fits at 0, 1 blocks; polls at 3, 6, 9 each let the next one in (the
# queue stays full: len 1); the poll at 12 takes the last
show("BlockQ 2: producer above consumer", [
    (0, "P sent", 0), (3, "C got", 0, 1), (3, "P sent", 1),
    (6, "C got", 1, 1), (6, "P sent", 2), (9, "C got", 2, 1),
    (9, "P sent", 3), (12, "C got", 3, 0)])

# -- BlockQ 3: equal priorities, both blocking -------------------------------
# Producer and consumer at 10, queue of 5. The producer sends every tick,
# the consumer takes one every 2 ticks: the queue fills up. Threads woken
# at the same instant run in the order they became ready (the consumer's
# sleep was always started first).

q3 = muos.MessageQueue(5, name="q3")


async def bq3_producer():
    for i in range(6):
        await q3.timed_send(i, 5)
        say("P sent", i, len(q3))
        await muos.sleep_for(1)


async def bq3_consumer():
    expected = 0
    while True:
        try:
            v = await q3.timed_receive(5)
        except muos.Empty:
            say("C timeout")
            return expected
        assert v == expected
        expected += 1
        say("C got", v, len(q3))
        await muos.sleep_for(2)


async def bq3_main():
    muos.spawn(bq3_producer, name="P", priority=10)
    c = muos.spawn(bq3_consumer, name="C", priority=10)
    return await c.join()


assert muos.run(bq3_main).value == 6
# t0: P sends 0, C takes it; t1: P sends 1; t2: C takes 1 (its sleep
# from 0 ends first), P sends 2; t3: 3; t4: C takes 2, P sends 4; t5: 5;
# then C takes 3, 4, 5 at 6, 8, 10 and times out at 12 + 5 = 17
show("BlockQ 3: equal priorities", [
    (0, "P sent", 0, 1), (0, "C got", 0, 0), (1, "P sent", 1, 1),
    (2, "C got", 1, 0), (2, "P sent", 2, 1), (3, "P sent", 3, 2),
    (4, "C got", 2, 1), (4, "P sent", 4, 2), (5, "P sent", 5, 3),
    (6, "C got", 3, 2), (8, "C got", 4, 1), (10, "C got", 5, 0),
    (17, "C timeout")])

# -- BlockTim: block times are exact; blocked tasks wake by priority ----------

bt = muos.MessageQueue(1, name="bt")


async def bt_timing():
    for ticks in (1, 2, 4, 8):
        start = muos.now()
        try:
            await bt.timed_receive(ticks)
        except muos.Empty:
            say("receive timeout", muos.now() - start)
    bt.try_send("fill")
    for ticks in (3, 5):
        start = muos.now()
        try:
            await bt.timed_send("x", ticks)
        except muos.Full:
            say("send timeout", muos.now() - start)
    assert bt.try_receive() == "fill"


def bt_sender(name, delay):
    async def s():
        await muos.sleep_for(delay)
        await bt.send(name)
        say(name, "sent")
    return s


async def bt_main():
    await bt_timing()
    bt.try_send("fill")
    # three tasks block on the full queue, arriving by increasing delay
    ts = [muos.spawn(bt_sender("lo", 1), name="lo", priority=10),
          muos.spawn(bt_sender("hi", 2), name="hi", priority=30),
          muos.spawn(bt_sender("mid", 3), name="mid", priority=20)]
    await muos.sleep_for(5)
    for _ in range(4):
        say("main got", bt.try_receive())
        await muos.sleep_for(1)
    for t in ts:
        await t.join()


muos.run(bt_main)
# receive timeouts 1 + 2 + 4 + 8 = 15, send timeouts 3 + 5: 23. The
# senders block at 24, 25, 26; main (96) receives at 28, 29, 30, 31: each
# receive lets the most urgent sender in, which runs after main sleeps
show("BlockTim", [
    (1, "receive timeout", 1), (3, "receive timeout", 2),
    (7, "receive timeout", 4), (15, "receive timeout", 8),
    (18, "send timeout", 3), (23, "send timeout", 5),
    (28, "main got", "fill"), (28, "hi", "sent"),
    (29, "main got", "hi"), (29, "mid", "sent"),
    (30, "main got", "mid"), (30, "lo", "sent"),
    (31, "main got", "lo")])

# -- countsem: take all then give all, and the reverse ----------------------


def take_all(s, name):
    n = 0
    while s.try_wait():
        n += 1
    say(name, "took", n, s.value)


def give_all(s, name):
    n = 0
    while s.post():
        n += 1
    say(name, "gave", n, s.value)


def counting_task(name, s, first_take):
    async def t():
        for _ in range(2):
            if first_take:
                take_all(s, name)
                await muos.yield_now()
                give_all(s, name)
            else:
                give_all(s, name)
                await muos.yield_now()
                take_all(s, name)
            await muos.yield_now()
    return t


async def cs_main():
    s1 = muos.Semaphore(3, max=3, name="s1")    # starts full
    s2 = muos.Semaphore(0, max=3, name="s2")    # starts empty
    a = muos.spawn(counting_task("A", s1, True), name="A", priority=10)
    b = muos.spawn(counting_task("B", s2, False), name="B", priority=10)
    await a.join()
    await b.join()


muos.run(cs_main)
# A and B share priority 10 and alternate at each yield_now
show("countsem", [
    (0, "A", "took", 3, 0), (0, "B", "gave", 3, 3),
    (0, "A", "gave", 3, 3), (0, "B", "took", 3, 0),
    (0, "A", "took", 3, 0), (0, "B", "gave", 3, 3),
    (0, "A", "gave", 3, 3), (0, "B", "took", 3, 0)])

# -- countsem: counting events posted by an interrupt ------------------------
# An interrupt posts every 3 ticks from tick 1; the task takes one event
# and works 5 ticks on it, so events pile up in the count: none is lost.

events = muos.Semaphore(0, name="events")


async def ev_task():
    for _ in range(4):
        assert await events.timed_wait(10)
        say("take", events.value)
        await muos.busy(5)
    say("done", events.value)


async def ev_main():
    irq = kernel().interrupt("event", events.post)
    irq.trigger_every(3, offset=1)
    await muos.spawn(ev_task, name="T", priority=20).join()
    irq.cancel()


muos.run(ev_main)
# posts at 1, 4, 7, 10, 13, 16, 19. Takes at 1 (its work 1..6), 6 (the
# post of 4 waited), 11 (7 and 10 waited: one left), 16 (13's unit and
# the one left: the work ending at 16 takes its unit before the post at
# 16, whose handler runs before the thread's code after the await: it
# logs 2); done at 21 after 19 posted: 3 left, none lost
show("countsem events", [
    (1, "take", 0), (6, "take", 0), (11, "take", 1), (16, "take", 2),
    (21, "done", 3)])

# -- EventGroupsDemo: wait for all / any, clear on exit -----------------------

group = muos.EventFlags("group")


async def eg_all():
    say("A got", await group.wait(0b111), group.value)


async def eg_any():
    say("B got", await group.wait(0b110, muos.ANY, False))
    say("B timed", await group.timed_wait(0b1000, 2, muos.ANY))


async def eg_master():
    for bit in (0b001, 0b010, 0b100):
        await muos.sleep_for(1)
        say("M set", group.set(bit))


async def eg_main():
    ts = [muos.spawn(eg_all, name="A", priority=20),
          muos.spawn(eg_any, name="B", priority=30),
          muos.spawn(eg_master, name="M", priority=10)]
    for t in ts:
        await t.join()


muos.run(eg_main)
# sets at 1, 2, 3. B (any of 0b110, no clear) gets 0b010 at 2 and then
# times out at 2 + 2 = 4; A (all of 0b111, cleared) gets 0b111 at 3
show("event groups: all / any", [
    (1, "M set", 0), (2, "M set", 0b001), (2, "B got", 0b010),
    (3, "M set", 0b011), (3, "A got", 0b111, 0), (4, "B timed", 0)])

# -- EventGroupsDemo: rendezvous of three tasks (xEventGroupSync) -------------
# Each task sets its bit; the last to arrive releases the others (who wait
# for all bits without clearing) and clears the bits for the next round.

sync = muos.EventFlags("sync")
ALL3 = 0b111


def rendezvous(name, bit, work):
    async def t():
        for rnd in range(2):
            await muos.sleep_for(work)
            old = sync.set(bit)
            if old | bit == ALL3:
                sync.clear(ALL3)             # last one: release the round
                say(name, "last", rnd)
            else:
                got = await sync.wait(ALL3, muos.ALL, False)
                assert got == ALL3
                say(name, "released", rnd)
    return t


async def sync_main():
    ts = [muos.spawn(rendezvous("S1", 0b001, 1), name="S1", priority=30),
          muos.spawn(rendezvous("S2", 0b010, 3), name="S2", priority=20),
          muos.spawn(rendezvous("S3", 0b100, 2), name="S3", priority=10)]
    for t in ts:
        await t.join()
    say("bits", sync.value)


muos.run(sync_main)
# round 0: S1 arrives at 1, S3 at 2, S2 at 3 (last); round 1 from 3: S1
# at 4, S3 at 5, S2 at 6. The released ones run by priority after S2
show("event groups: sync", [
    (3, "S2", "last", 0), (3, "S1", "released", 0),
    (3, "S3", "released", 0), (6, "S2", "last", 1),
    (6, "S1", "released", 1), (6, "S3", "released", 1), (6, "bits", 0)])

# -- EventGroupsDemo: bits set from an interrupt ------------------------------

isr_group = muos.EventFlags("isr_group")


async def isr_waiter():
    say("W got", await isr_group.wait(0b11))
    say("W got", await isr_group.timed_wait(0b100, 5, muos.ANY))


async def isr_main():
    k = kernel()
    bits = [0b01, 0b10, 0b100]

    def handler():
        isr_group.set(bits.pop(0))

    irq = k.interrupt("bits", handler, cost=1)
    irq.trigger_at(2)
    irq.trigger_at(5)
    irq.trigger_at(7)
    await muos.spawn(isr_waiter, name="W", priority=20).join()


muos.run(isr_main)
# bit 0 at 2, bit 1 at 5: W runs after that handler's tick, at 6; bit 2
# at 7, W at 8
show("event groups: from an interrupt", [(6, "W got", 0b11),
                                         (8, "W got", 0b100)])

# -- QueueSet: one task blocked on two queues and a binary semaphore ----------

qa = muos.MessageQueue(2, name="qa")
qb = muos.MessageQueue(2, name="qb")
bsem = muos.BinarySemaphore(name="bsem")


async def set_reader():
    while True:
        i, v = await muos.wait_any(qa.receive(), qb.receive(), bsem.wait(),
                                   timeout=10)
        say("R", i, v)
        if i is None:
            return


async def sender_a():
    for m in ("a0", "a1"):
        await muos.sleep_for(1)
        await qa.send(m)


async def sender_b():
    await muos.sleep_for(1)
    await qb.send("b0")


async def giver():
    await muos.sleep_for(3)
    say("G posts", bsem.post(), bsem.post(), bsem.post())


async def qs_main():
    r = muos.spawn(set_reader, name="R", priority=30)
    muos.spawn(sender_a, name="SA", priority=20)
    muos.spawn(sender_b, name="SB", priority=10)
    muos.spawn(giver, name="G", priority=10)
    await r.join()
    say("left", len(qa), len(qb), bsem.value)


muos.run(qs_main)
# a0 and b0 at 1, a1 at 2: each handed straight to R. At 3 the first
# post goes to R, the second makes the count 1, the third fails (binary);
# R takes that unit at once, then times out at 3 + 10 = 13. Nothing is
# left anywhere: each wait_any completed exactly one operation
show("QueueSet", [
    (1, "R", 0, "a0"), (1, "R", 1, "b0"), (2, "R", 0, "a1"),
    (3, "G posts", True, True, False), (3, "R", 2, True),
    (3, "R", 2, True), (13, "R", None, None), (13, "left", 0, 0, 0)])
