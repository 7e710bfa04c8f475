# Types for Cython (semaphore.py is the source; see setup.py).
cimport cython
from muos._trap cimport Trap as CTrap
from muos.kernelbase cimport KernelBase
from muos.semaphoreapi cimport SemaphoreApi

cdef class Semaphore(SemaphoreApi):

    @cython.locals(items=list, trap=CTrap)
    cpdef post(self)
    cpdef _try(self, trap)
    @cython.locals(k=KernelBase, t=CTrap)
    cpdef wait(self)
