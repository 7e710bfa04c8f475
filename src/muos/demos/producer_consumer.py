"""Producers and consumers on a message queue with message priorities.

Three producers at different thread priorities feed one MessageQueue of
capacity 2; two consumers at different priorities drain it. What it
shows: a full queue blocks a producer (back-pressure) until a consumer
makes room; an urgent message (priority 9) overtakes the messages already
queued; when both consumers wait, the more urgent thread is served first;
and every message is received exactly once, by one consumer.
"""


import muos
from muos import Priority
from muos.demos import fill

# the docstring's first line, for `muos demo --list` and the demo's
# header (docstrings are compiled out by python -OO and on boards)
TITLE = ('Producers and consumers on a message queue with message '
         'priorities.')

__all__ = ["CAPACITY", "PRODUCERS", "CONSUMERS", "STOP", "main", "run",
           "received", "demo"]

CAPACITY = 3
# name, thread priority, message priority, ticks at which it starts each
# message, ticks of work to make one
PRODUCERS = (
    ("alarm", Priority.REALTIME, 9, (6, 24), 0),
    ("telemetry", Priority.HIGH, 2, (0, 1, 2, 3), 1),
    ("logger", Priority.ABOVE_NORMAL, 1, (0, 0, 0, 0), 0),
)
# name, thread priority, ticks each message takes (writing it to a slow
# device: the consumer sleeps, the CPU is free for the others)
CONSUMERS = (
    ("control", Priority.NORMAL, 3),
    ("archive", Priority.LOW, 2),
)
STOP = None          # one per consumer, after every producer is done


async def main():
    """Run everyone; returns the log: (tick, thread, event, message)."""
    q = muos.MessageQueue(CAPACITY, name="queue")
    log = []

    def note(event, msg=""):
        log.append((muos.now(), muos.this_thread().name, event, msg))

    async def producer(tag, mprio, starts, work):
        for i, at in enumerate(starts):
            await muos.sleep_until(at)
            await muos.busy(work)
            msg = "%s%d" % (tag, i + 1)
            try:
                q.try_send(msg, mprio)       # a plain call: no switch here
                note("sends", msg)
            except muos.Full:
                note("waits: queue full", msg)
                await q.send(msg, mprio)
                note("sent after waiting", msg)

    async def consumer(work):
        while True:
            try:
                msg = q.try_receive()
            except muos.Empty:
                note("waits: queue empty")
                msg = await q.receive()
            if msg is STOP:
                return
            note("gets", msg)
            await muos.sleep_for(work)

    muos.this_thread().set_priority(Priority.HIGHEST)
    producers = [muos.spawn(producer, name[0].upper(), mprio, starts, work,
                            name=name, priority=prio)
                 for name, prio, mprio, starts, work in PRODUCERS]
    consumers = [muos.spawn(consumer, work, name=name, priority=prio)
                 for name, prio, work in CONSUMERS]
    for t in producers:
        await t.join()
    for _ in consumers:
        await q.send(STOP, 0)            # after every real message
    for t in consumers:
        await t.join()
    return log


def run():
    """Returns (log, RunResult)."""
    r = muos.run(main)
    return r.value, r


def received(log):
    """{consumer: [messages in the order received]}."""
    out = {}
    for _, who, event, msg in log:
        if event == "gets":
            out.setdefault(who, []).append(msg)
    return out


def demo(out=print):
    """Print the log and check that every message arrived exactly once."""
    out(TITLE)
    out("")
    out("producers (thread priority, message priority, when):")
    for name, prio, mprio, starts, work in PRODUCERS:
        out("  %-9s %3d  %d  %s" % (name, prio, mprio, ", ".join(
            "%d" % (at + work) for at in starts)))
    out("consumers (thread priority, ticks to store each message):")
    for name, prio, work in CONSUMERS:
        out("  %-9s %3d  %d" % (name, prio, work))
    out("")
    log, r = run()
    for t, who, event, msg in log:
        out("  %3s  %-9s %-18s %s" % (t, who, event, msg))
    got = received(log)
    sent = sorted(msg for _, _, event, msg in log
                  if event in ("sends", "sent after waiting"))
    every = sorted(m for ms in got.values() for m in ms)
    out("")
    for name in [c[0] for c in CONSUMERS]:
        out("  %s received %s" % (name, " ".join(got.get(name, []))))
    out(fill(
        "%d messages sent, %d received, %s; all done at tick %s." % (
            len(sent), len(every), "each exactly once" if every == sent
            else "NOT each exactly once", r.now), 76))
    return log
