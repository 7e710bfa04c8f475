"""The schedulability experiment at scale: ``muos.analysis.sweep`` over
10,000 random task sets (10 utilizations x 1,000 sets of 5 tasks,
constrained deadlines: RM, DM, EDF, the two bounds and the simulation of
every set) on a local Dask cluster with a progress bar, against the same
sweep on a process pool, in one run. Needs the ``dask`` extra (and
``progress`` for the bar); reports nothing without it. The unit is sets
per second of wall time (the work is spread over processes)."""

import concurrent.futures as cf
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))

from common import quick, report  # noqa: E402

from muos.analysis import sweep  # noqa: E402

LEVELS = [round(0.55 + 0.05 * i, 2) for i in range(10)]   # 0.55 .. 1.0


def run(executor, sets, progress):
    t = time.perf_counter()
    res = sweep(LEVELS, n=5, sets=sets, seed=0, chunk=50,
                executor=executor, progress=progress, deadlines=(0.5, 1))
    return res, time.perf_counter() - t


def main():
    sets = 10 if quick() else 1000
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print('{"benchmark": "sweep_dask", "skipped": "dask.distributed '
              'missing (pip install -e \\".[dask]\\")"}')
        return
    try:
        import rich  # noqa: F401
        progress = True
    except ImportError:
        progress = False
    total = sets * len(LEVELS)
    workers = os.cpu_count() or 1
    with LocalCluster(n_workers=workers, threads_per_worker=1,
                      processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        dres, dt = run(client.get_executor(), sets, progress)
    with cf.ProcessPoolExecutor(workers) as ex:
        pres, pt = run(ex, sets, False)
    assert dres.to_dict() == pres.to_dict()      # the same sets, counted
    assert dres.disagreements == [0] * len(LEVELS)
    print(dres)
    print("%d sets: %.1f s on the local Dask cluster, %.1f s on the "
          "process pool" % (total, dt, pt))
    report("sweep_dask", {
        "local Dask cluster (%d workers)" % workers: total / dt,
        "process pool (%d processes)" % workers: total / pt},
        {"Dask / process pool": pt / dt},
        "10,000 task sets on a local Dask cluster with a progress bar",
        "sets/s")


if __name__ == "__main__":
    main()
