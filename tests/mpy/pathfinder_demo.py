# The main demo, and response-time analysis against the simulation.
import muos
from muos.demos import pathfinder

pathfinder.demo()


def rta(tasks):
    out = []
    for i in range(len(tasks)):
        c, t = tasks[i]
        r = c
        while True:
            nr = c
            for cj, tj in tasks[:i]:
                nr += -(-r // tj) * cj
            if nr == r or nr > t:
                break
            r = nr
        out.append(r if nr <= t else None)
    return out


async def task(c, t):
    async for _ in muos.periodic(t, start=0):
        await muos.busy(c)


def simulate(tasks, horizon):
    async def main():
        muos.this_thread().set_priority(254)
        for i in range(len(tasks)):
            c, t = tasks[i]
            muos.spawn(task, c, t, name="t%d" % i, priority=200 - i)
        await muos.sleep_until(horizon)

    r = muos.run(main)
    return [r.stats.threads["t%d" % i].max_response
            for i in range(len(tasks))]


rng = muos.SimPort(seed=7).random
for _n in range(20):
    k = rng.randint(2, 4)
    periods = sorted([rng.randint(3, 30) for _ in range(k)])
    tasks = [(rng.randint(1, max(1, t // k)), t) for t in periods]
    a = rta(tasks)
    s = simulate(tasks, 600)
    ok = all(x is None or x == y for x, y in zip(a, s))
    print(tasks, a, s, "OK" if ok else "MISMATCH")
