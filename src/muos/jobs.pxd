# Types for Cython (jobs.py is the source; see setup.py).
cimport cython
from muos._trap cimport Trap as CTrap
from muos.kernelbase cimport KernelBase
from muos.thread cimport Thread

cdef class periodic:
    cdef dict __dict__
    cdef public KernelBase _k
    cdef public object _period
    cdef public object _deadline
    cdef public object _offset
    cdef public object _start
    cdef public object _index
    cdef public object _release
    cdef public object period
    cdef public object _cpu0
    cdef public object _model
    cdef public object _job
