# Types for Cython (stats.py is the source; see setup.py).

from muos.ready cimport Link

cdef class ThreadCounters(Link):
    cdef public object name
    cdef public object tick_hz
    cdef public object cpu_ns
    cdef public object switches
    cdef public object waits
    cdef public object blk_at
    cdef public object blk_on
    cdef public object _system
    cdef public object _x
