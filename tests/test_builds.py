"""One source, two builds: the core compiled by Cython (with the C trap)
and the same modules as plain Python must behave identically.

CI installs the compiled build (MUOS_REQUIRE_COMPILED=1 makes its absence
a failure) and runs the whole suite on it; this module runs the
exact-timing and property modules once more on the plain build
(MUOS_PURE=1), and compares random programs run on both
(tests/differential.py)."""

import os
import subprocess
import sys

import pytest

import muos
from muos import traps

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PURE = os.environ.get("MUOS_PURE", "") not in ("", "0")


def plain_env():
    env = dict(os.environ, MUOS_PURE="1")
    env.pop("MUOS_REQUIRE_COMPILED", None)
    return env


def compiled_env():
    env = dict(os.environ)
    env.pop("MUOS_PURE", None)
    return env


needs_compiled = pytest.mark.skipif(
    muos.build() != "compiled",
    reason="muos is not compiled here (no Cython or compiler at install, "
           "or MUOS_PURE=1)")


def test_the_build_is_the_one_asked_for():
    if PURE:
        assert muos.build() == "plain"
        assert traps._C is None and traps.Trap.__module__ == "muos.traps"
    elif os.environ.get("MUOS_REQUIRE_COMPILED"):
        assert muos.build() == "compiled", "the core was not compiled"
    if muos.build() == "compiled":
        from muos import kernel, semaphore
        assert not kernel.__file__.endswith(".py")
        assert not semaphore.__file__.endswith(".py")
        assert traps.Trap.__module__ == "muos._trap"


@needs_compiled
def test_muos_pure_selects_the_plain_modules_of_a_compiled_install():
    code = ("import muos, muos.kernel, muos.traps; print(muos.build(), "
            "muos.kernel.__file__.endswith('.py'), "
            "muos.traps.Trap.__module__)")
    out = subprocess.run([sys.executable, "-c", code], env=plain_env(),
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["plain", "True", "muos.traps"]


@needs_compiled
def test_random_programs_run_identically_on_both_builds():
    def run(env):
        p = subprocess.run(
            [sys.executable, os.path.join(HERE, "differential.py"), "120"],
            env=env, capture_output=True, text=True, timeout=900)
        assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
        return p.stdout.splitlines()

    compiled, plain = run(compiled_env()), run(plain_env())
    assert compiled[0] == "build compiled" and plain[0] == "build plain"
    assert len(compiled) > 300
    for i, (a, b) in enumerate(zip(compiled[1:], plain[1:])):
        assert a == b, "program %d differs:\n%s\n%s" % (i, a, b)
    assert len(compiled) == len(plain)


@needs_compiled
def test_plain_build_passes_the_exact_timing_suites():
    """The plain modules on their own, in a process where MUOS_PURE=1."""
    mods = ["test_sched", "test_time", "test_inheritance", "test_semaphore",
            "test_mutex", "test_mqueue", "test_evflags", "test_condvar",
            "test_threads", "test_irq", "test_timer", "test_waitany",
            "test_stats", "test_critical", "test_clocks", "test_mempool",
            "test_rta", "test_properties", "test_objects_properties",
            "test_deadlines", "test_smp", "test_simso",
            "test_properties_smp", "test_fuzz"]
    p = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p",
         "no:cacheprovider"] + [os.path.join(HERE, m + ".py") for m in mods]
        + [os.path.join(HERE, "test_builds.py") + "::"
           "test_the_build_is_the_one_asked_for"],
        cwd=ROOT, env=plain_env(), capture_output=True, text=True,
        timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]


@pytest.mark.parametrize("ticks", [0, 1, 7, 9 * 10**9, 9 * 10**9 + 1,
                                   10**12, 10**16, 2.5])
def test_sleep_for_wakes_at_the_instant_asked(ticks):
    # expected: ticks * 10**9 // 1000 ns at 1 kHz, i.e. `ticks` ticks
    # (beyond 2**63 ns a compiled build must not truncate)
    async def main():
        await muos.sleep_for(ticks)
        return muos.now()

    assert muos.run(main).value == ticks


def test_semaphore_post_without_waiter_and_at_max():
    # no waiter: the first post counts (True, value 1), the second finds
    # the count at max (False, value stays 1); the wait then takes the
    # unit without blocking (value 0)
    async def main():
        s = muos.Semaphore(0, max=1)
        out = [s.post(), s.post(), s.value]       # count, then at max
        await s.wait()
        out.append(s.value)
        return out

    assert muos.run(main).value == [True, False, 1, 0]


def test_trap_is_awaited_once_at_a_time():
    # the C trap refuses a second await of a trap in flight, as a
    # coroutine does (the Python one makes a new generator per await)
    t = traps.Trap(traps.PASS, None, 5)
    it = t.__await__()
    assert next(it) is t
    if traps._C is not None:
        with pytest.raises(RuntimeError):
            t.__await__()
    with pytest.raises(StopIteration) as e:
        it.send(42)
    assert e.value.value == 42


@needs_compiled
def test_a_compiled_module_older_than_its_source_is_warned(monkeypatch):
    # as if kernel.py had been edited after the build: its .py reads as
    # newer than its compiled module, the others as older
    from muos import _plain
    import muos.kernel
    real = os.path.getmtime
    built = real(muos.kernel.__file__)       # its compiled module

    def mtime(path):
        # (not the real times shifted: a build an hour or more after the
        # checkout would hide the edit)
        if path.endswith(os.sep + "kernel.py"):
            return built + 3600
        return 0.0 if path.endswith(".py") else real(path)

    monkeypatch.setattr(_plain.os.path, "getmtime", mtime)
    with pytest.warns(RuntimeWarning, match=r"older than their source: "
                                            r"kernel;"):
        _plain.warn_stale()
