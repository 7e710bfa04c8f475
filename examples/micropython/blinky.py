"""Blinky with muos on a MicroPython board: an LED on the wall clock.

Install muos on the board (README, "On a MicroPython board"), copy this
file as main.py (``mpremote cp blinky.py :main.py``) and reset. The LED
toggles every 250 ms from a HIGH-priority periodic thread, while a
LOW-priority thread computes flat out: the blink stays on time because
the busy work is preempted. Every 5 s the stats are printed. Set LED for
your board ("LED" on a Raspberry Pi Pico, 2 on many ESP32 boards).
"""

import muos
from machine import Pin
from muos.ports.micropython import MachinePort

LED = "LED"
HALF_PERIOD = 250        # ms


async def blink(led):
    async for _ in muos.periodic(HALF_PERIOD):
        led.toggle()


async def crunch():
    while True:
        await muos.busy(50)        # 50 ms of CPU, preemptible


async def main(port, seconds=None):
    """Blink for ``seconds`` (forever by default); returns the stats."""
    stats = port.kernel.stats
    led = Pin(LED, Pin.OUT)
    muos.spawn(blink, led, name="blink", priority=muos.Priority.HIGH)
    muos.spawn(crunch, name="crunch", priority=muos.Priority.LOW)
    n = 0
    while seconds is None or n < seconds:
        await muos.sleep_for(1000)
        n += 1
        if n % 5 == 0:
            st = stats.threads["blink"]
            print("t=%d s: %d blinks, worst response %s ms" % (
                n, st.jobs, st.max_response))
    return stats


if __name__ == "__main__":
    port = MachinePort()
    muos.run(main, port, port=port)
