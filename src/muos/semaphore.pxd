# Types for Cython (semaphore.py is the source; see setup.py).
cimport cython
from muos._trap cimport Trap as CTrap
from muos.kernelbase cimport KernelBase
from muos.waitq cimport WaitQueue

cdef class Semaphore:
    cdef dict __dict__
    cdef public object name
    cdef public object max
    cdef public object _value
    cdef public WaitQueue _q

    @cython.locals(items=list, trap=CTrap)
    cpdef post(self)
    cpdef _try(self, trap)
    @cython.locals(k=KernelBase, t=CTrap)
    cpdef wait(self)
