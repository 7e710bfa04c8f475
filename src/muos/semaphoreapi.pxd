# Types for Cython (semaphoreapi.py is the source; see setup.py): the
# semaphore's fields, declared on its cold part, its base, so that the
# hand-over (semaphore.py) reaches them typed.
from muos.waitq cimport WaitQueue

cdef class SemaphoreApi:
    cdef dict __dict__
    cdef public object name
    cdef public object max
    cdef public object _value
    cdef public WaitQueue _q
