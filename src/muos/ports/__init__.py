"""Ports: how time passes. ``sim`` (default), ``host``, ``micropython``."""
