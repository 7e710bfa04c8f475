# Types for Cython (stats.py is the source; see setup.py).
cimport cython
from muos.ready cimport Link

cdef class ThreadExtra:
    cdef public object rt
    cdef public object rt_old
    cdef public object deadline_misses
    cdef public object misses
    cdef public object masked_ns
    cdef public object inversion_ns
    cdef public object result
    cdef public object exception
    cdef public object joinq
    cdef public object flags
    cdef public object resume_pending
    cdef public object deadline_ns
    cdef public object affinity
    cdef public object migrations
    cdef public object cpu_hi
    cdef public object waits_hi

cdef class ThreadCounters(Link):
    cdef public object name
    cdef public object cpu_ns
    cdef public object switches
    cdef public object waits
    cdef public object slept
    cdef public object blk_at
    cdef public object blk_on
    cdef public object _system
    cdef public object _x

@cython.locals(x=ThreadExtra, rt=list)
cpdef record_response(c, ns)
