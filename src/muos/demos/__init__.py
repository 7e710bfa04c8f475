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
