"""A sensor node sampling once a second: busy polling vs. deep sleep.

The seed document's multilevel power strategy, measured: a thread that
has nothing to do should block; when no thread is ready the idle thread
sleeps the CPU; when every thread waits long enough it deep-sleeps,
keeping time on the real-time clock. Both designs do the same work each
second (1 ms ADC conversion, 2 ms of processing, 5 ms of radio), with the
same MCU power figures; only the structure differs.
"""

import muos

# the docstring's first line, for `muos demo --list` and the demo's
# header (docstrings are compiled out by python -OO and on boards)
TITLE = ('A sensor node sampling once a second: busy polling vs. deep'
         ' sleep.')

__all__ = ["POWER", "VOLTS", "HORIZON", "polling", "event_driven", "run",
           "demo"]

VOLTS = 3.3
# a typical Cortex-M0+ at 3.3 V: 5 mA running, 1.5 mA in WFI sleep,
# 5 uA in deep sleep with the RTC on, 2 ms to wake from deep sleep
POWER = muos.PowerModel(run=16.5, sleep=4.95, deep_sleep=0.0165,
                        deep_sleep_after=50, wakeup=2)
HORIZON = 10000      # ten seconds of 1 ms ticks
PERIOD = 1000        # one sample a second
ADC_TIME = 1         # conversion time, ms
PROCESS = 2          # filtering, ms
RADIO = 5            # sending the sample, ms


async def polling():
    """A superloop that polls the time and the ADC's ready flag."""
    samples = 0
    next_sample = 0
    while muos.now() < HORIZON:
        if muos.now() >= next_sample:
            await muos.busy(ADC_TIME)        # spin on the ADC ready flag
            await muos.busy(PROCESS)
            await muos.busy(RADIO)
            samples += 1
            next_sample += PERIOD
        else:
            await muos.busy(1)               # poll again
    return samples


async def event_driven():
    """An RTC alarm interrupt releases the sampling thread; the ADC's
    end-of-conversion interrupt wakes it; otherwise everything blocks."""
    me = muos.this_thread()
    me.set_priority(muos.Priority.HIGHEST)   # main only ends the run
    k = me._kernel
    alarm = muos.BinarySemaphore(name="rtc_alarm")
    adc_done = muos.BinarySemaphore(name="adc_done")
    rtc = k.interrupt("rtc", alarm.post, priority=2)
    adc = k.interrupt("adc", adc_done.post, priority=3)
    rtc.trigger_every(PERIOD)
    samples = [0]

    async def sampler():
        while True:
            await alarm.wait()
            adc.trigger_at(muos.now() + ADC_TIME)   # start a conversion
            await adc_done.wait()
            await muos.busy(PROCESS)
            await muos.busy(RADIO)
            samples[0] += 1

    muos.spawn(sampler, name="sampler", priority=muos.Priority.HIGH)
    await muos.sleep_until(HORIZON)
    return samples[0]


def run(design):
    """Run one design for HORIZON ticks; returns (samples, RunResult)."""
    r = muos.run(design, port=muos.SimPort(power=POWER))
    return r.value, r


def average_ma(stats):
    """Average current in mA: energy (mJ) / time (s) / volts."""
    seconds = stats.elapsed_ns / 1e9
    return stats.energy / seconds / VOLTS


def demo(out=print):
    out(TITLE)
    out("")
    results = []
    for title, design in (("busy polling", polling),
                          ("event-driven + deep sleep", event_driven)):
        samples, r = run(design)
        st = r.stats
        ps = st.power_states
        ma = average_ma(st)
        results.append((samples, ma, r))
        out("%-26s %2d samples, %6s ms running, %6s ms sleeping, %6s ms "
            "deep sleep" % (title + ":", samples, ps["run"], ps["sleep"],
                            ps["deep_sleep"]))
        out("%-26s energy %.3f mJ in %d s: average %.4f mA -> %.0f days "
            "on a 1000 mAh battery" % (
                "", st.energy, st.elapsed_ns // 1000000000, ma,
                1000.0 / ma / 24))
    out("")
    out("The event-driven design draws %.0fx less: its CPU runs only for the "
        "work itself and the wake-ups, and deep-sleeps in between." % (
            results[0][1] / results[1][1]))
    return results
