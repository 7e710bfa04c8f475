"""Ready-made scenarios, each a short module with ``async def main()`` and
``demo(out=print)`` that prints what happened and why."""

DEMOS = {
    "pathfinder": "muos.demos.pathfinder",
    "superloop": "muos.demos.superloop",
    "low-power": "muos.demos.low_power",
    "inversion": "muos.demos.inversion",
    "producer-consumer": "muos.demos.producer_consumer",
    "philosophers": "muos.demos.philosophers",
    "rms": "muos.demos.rms",
    "edf": "muos.demos.edf",
    "dual-core": "muos.demos.dual_core",
    "asyncio-latency": "muos.demos.asyncio_latency",
}


def fill(text, width=76):
    """``text`` wrapped in lines of at most ``width`` characters, broken
    at spaces only, a run of spaces made one (``textwrap.fill`` for the
    demos' texts: MicroPython has no textwrap, and they run on boards)."""
    lines = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = line + " " + word if line else word
    if line:
        lines.append(line)
    return "\n".join(lines)

