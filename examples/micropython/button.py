"""A push button to a thread with muos on a MicroPython board.

The button (to ground, internal pull-up) raises a hard interrupt on its
falling edge; ``port.irq_handler`` turns it into a muos interrupt whose
handler posts a semaphore (no allocation in the hard IRQ); a thread waits
on the semaphore, debounces, toggles the LED and prints the latency from
the edge to the handler. The kernel sleeps (``machine.lightsleep``) the
rest of the time. Copy as main.py; set BUTTON and LED for your board.
With ``machine.lightsleep`` the pin must be able to wake the board (on an
ESP32 use ``MachinePort(lightsleep=False)`` or a wake-capable pin).
"""

import muos
from machine import Pin
from muos.ports.micropython import MachinePort

try:
    import micropython
    micropython.alloc_emergency_exception_buf(100)
except (ImportError, AttributeError):
    pass

BUTTON = 14
LED = "LED"
DEBOUNCE = 30            # ms


async def main(port, presses=None):
    """Serve ``presses`` presses (forever by default); returns them as
    ``(tick, latency ticks)``."""
    pressed = muos.Semaphore(0)
    irq = port.kernel.interrupt("button", pressed.post, priority=2)
    button = Pin(BUTTON, Pin.IN, Pin.PULL_UP)
    button.irq(handler=port.irq_handler(irq), trigger=Pin.IRQ_FALLING,
               hard=True)
    led = Pin(LED, Pin.OUT)
    log = []
    while presses is None or len(log) < presses:
        await pressed.wait()
        t = muos.now()
        led.toggle()
        await muos.sleep_for(DEBOUNCE)
        while pressed.try_wait():        # bounces: one press
            pass
        log.append((t, irq.stats.max))
        print("press %d at %s ms (worst edge-to-handler latency %s ms)"
              % (len(log), t, irq.stats.max))
    return log


if __name__ == "__main__":
    port = MachinePort()
    muos.run(main, port, port=port)
