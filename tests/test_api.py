"""Every name of API.md that this stage of muos provides exists, with the
documented values; names of later stages are listed as pending so that
this test fails (and must be updated) the day they appear."""

import muos

NAMES = """run Kernel spawn Thread Priority READY RUNNING SUSPENDED TERMINATED
this_thread now sleep_for sleep_until yield_now busy periodic
scheduler_locked in_isr suspend Mutex Semaphore BinarySemaphore SimPort
Stats Trace MuosError ContextError DeadlockError Stalled Interrupted
NotOwnerError OwnerDead NotRecoverable Full Empty ThreadError EventFlags
ALL ANY MessageQueue ConditionVariable MemoryPool wait_any Timer
interrupts_disabled interrupts_masked PowerModel HostPort""".split()

PENDING = []


def test_names_exist():
    missing = [n for n in NAMES if not hasattr(muos, n)]
    assert missing == []


def test_pending_names_are_really_pending():
    assert [n for n in PENDING if hasattr(muos, n)] == []


def test_priority_levels():
    P = muos.Priority
    assert (P.IDLE, P.LOWEST, P.LOW, P.BELOW_NORMAL, P.NORMAL,
            P.ABOVE_NORMAL, P.HIGH, P.REALTIME, P.HIGHEST) == (
        0, 1, 32, 64, 96, 128, 160, 192, 254)


def test_states_are_plain_strings():
    assert [muos.READY, muos.RUNNING, muos.SUSPENDED, muos.TERMINATED] == [
        "READY", "RUNNING", "SUSPENDED", "TERMINATED"]


def test_errors_derive_from_muoserror():
    for n in ("ContextError", "DeadlockError", "Stalled", "Interrupted",
              "NotOwnerError", "OwnerDead", "NotRecoverable", "Full",
              "Empty", "ThreadError"):
        assert issubclass(getattr(muos, n), muos.MuosError), n


def test_mutex_constants():
    M = muos.Mutex
    assert len({M.NORMAL, M.ERRORCHECK, M.RECURSIVE}) == 3
    assert len({M.NONE, M.INHERIT, M.PROTECT}) == 3


def test_kernel_options_and_attributes():
    k = muos.Kernel(tick_hz=1000, preemptive=True, time_slice=1, trace=True)
    assert k.now == 0 and k.preemptive is True and k.time_slice == 1
    assert isinstance(k.stats, muos.Stats)
    assert isinstance(k.trace, muos.Trace)
    assert [t.name for t in k.threads] == ["idle"]
    assert k.threads[0].priority == muos.Priority.IDLE
    k.time_slice = None
    assert k.time_slice is None
    assert muos.Kernel().trace is None


def test_run_result():
    async def main():
        await muos.sleep_for(2)
        return 42

    r = muos.run(main)
    assert (r.value, r.now, r.trace) == (42, 2, None)
    assert isinstance(r.stats, muos.Stats)


def test_simport_defaults_are_zero_cost():
    p = muos.SimPort()
    assert (p.switch_cost, p.tick_cost, p.isr_entry_cost, p.seed) == (
        0, 0, 0, 0)
