"""Agreement with SimSo 0.8.5, job by job (issue 18 #3).

``tests/data/simso/*.json`` holds random periodic task sets and every job
SimSo simulated for them (release, deadline, finish), made by
``tools/simso/generate.py`` in SimSo's own virtual environment (SimSo is
not a dependency of muos; its README says how to run it again and how
ties were kept out of the data: no set's schedule depends on how equal
deadlines are ordered). Each set runs here on muos with the same
policy: uniprocessor EDF (``edf=True``), global fixed priority on 2 and
4 cores, partitioned RM on 2 cores (each task pinned to the core SimSo's
packer gave it) and global EDF on 2 and 4 cores. Every job that SimSo
finished by the horizon must finish at the same tick on muos, and every
job SimSo left unfinished must be unfinished on muos too.
"""

import json
import os

import pytest

import muos

DATA = os.path.join(os.path.dirname(__file__), "data", "simso")
FAMILIES = ("edf_uni", "gfp_2", "gfp_4", "prm", "gedf_2", "gedf_4")


def _sets():
    for fam in FAMILIES:
        with open(os.path.join(DATA, fam + ".json")) as f:
            for s in json.load(f):
                yield pytest.param(s, id=s["id"])


def run_on_muos(s):
    """{task name: [finish tick of job k, for every job completed by
    the horizon]} of the set ``s`` run on muos, and its kernel."""
    edf = s["policy"] == "EDF"
    k = muos.Kernel(cores=s["processors"], edf=edf, time_slice=None)

    def task(c, t, d):
        async def body():
            async for _ in muos.periodic(t, deadline=d, start=0):
                await muos.busy(c)
        return body

    threads = {}
    for tk in s["tasks"]:
        # SimSo's "prio" ranks the tasks, 0 most urgent (RM or DM); under
        # EDF every task has one priority and its deadline decides
        prio = 100 if edf else 200 - tk["prio"]
        t = k.spawn(task(tk["C"], tk["T"], tk["D"]), name=tk["name"],
                    priority=prio, affinity=tk.get("cpu"))
        if edf:
            t.set_deadline(tk["D"])    # its first job's, before it runs
        threads[tk["name"]] = t
    horizon = s["horizon"]
    # one tick beyond: a job ending at the horizon records its response
    k.run(until=horizon + 1)
    finishes = {}
    for tk in s["tasks"]:
        st = k.stats.threads[tk["name"]]
        finishes[tk["name"]] = [
            j * tk["T"] + r for j, r in enumerate(st.response_times)
            if j * tk["T"] + r <= horizon]
    k.close()
    return finishes, threads


@pytest.mark.parametrize("s", list(_sets()))
def test_every_job_finishes_when_simso_says(s):
    finishes, threads = run_on_muos(s)
    expected = {tk["name"]: [] for tk in s["tasks"]}
    unfinished = {tk["name"]: [] for tk in s["tasks"]}
    for j in sorted(s["jobs"], key=lambda j: (j["task"], j["k"])):
        if j["finish"] is not None and j["finish"] <= s["horizon"]:
            assert j["k"] == len(expected[j["task"]])   # in job order
            expected[j["task"]].append(j["finish"])
        else:
            unfinished[j["task"]].append(j["k"])
    assert finishes == expected
    # a job SimSo left unfinished at the horizon is not finished on muos
    # (checked above: muos's list is no longer than SimSo's)
    if s["scheduler"].endswith("P_RM"):
        for tk in s["tasks"]:       # partitioned: each stayed on its core
            t = threads[tk["name"]]       # (None: starved, it never ran)
            assert t.core in (tk["cpu"], None) and t.migrations == 0


def test_the_data_covers_every_family():
    n = {}
    for p in _sets():
        s = p.values[0]
        n[s["id"].rsplit("-", 1)[0]] = n.get(s["id"].rsplit("-", 1)[0],
                                               0) + len(s["jobs"])
    assert sorted(n) == sorted(FAMILIES)
    assert sum(n.values()) > 5000
