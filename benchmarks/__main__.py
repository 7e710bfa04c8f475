"""``python -m benchmarks [--quick]``: every benchmark script in this
folder, each in its own process so that none warms up another."""

import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# run by hand: it needs valgrind and measures instructions, not time
ON_DEMAND = ("instructions.py",)


def main():
    args = [a for a in sys.argv[1:] if a == "--quick"]
    scripts = sorted(p for p in glob.glob(os.path.join(HERE, "*.py"))
                     if not os.path.basename(p).startswith(("_", "common"))
                     and os.path.basename(p) not in ON_DEMAND)
    failed = 0
    t0 = time.perf_counter()
    for path in scripts:
        print("== %s" % os.path.basename(path))
        sys.stdout.flush()
        p = subprocess.run([sys.executable, path] + args, check=False)
        failed += p.returncode != 0
    print("== %d benchmarks in %.1f s, %d failed" % (
        len(scripts), time.perf_counter() - t0, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
