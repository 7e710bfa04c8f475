# Types for Cython (thread.py is the source; see setup.py).
from muos.threadapi cimport ThreadApi

cdef class Thread(ThreadApi):
    cdef public object base_priority
    # read-only from Python (API.md): the kernel writes it (compiled)
    cdef readonly int priority
    cdef public int _core
    cdef public object state
    cdef public bint interrupted
    cdef public bint _primed
    cdef public object _kernel
    cdef public object _coro
    cdef public object _wake_value
    cdef public object _wake_exc
    cdef public object _trap
    cdef public object _spare
    cdef public object _tentry
    cdef public object _work
    cdef public object _held
    cdef public object _dl
