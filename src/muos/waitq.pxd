# Types for Cython (waitq.py is the source; see setup.py).
cimport cython
from muos._trap cimport Trap as CTrap

cdef class WaitQueue:
    cdef public object owner
    cdef public list items
    cdef public object on_change
    cdef public bint fast

    @cython.locals(i=Py_ssize_t, p=int, op=int)
    cpdef push(self, trap)
    @cython.locals(i=Py_ssize_t)
    cpdef remove(self, trap)
    cpdef pop(self)
    @cython.locals(items=list, trap=CTrap)
    cpdef wake_one(self, value)
    @cython.locals(items=list, trap=CTrap)
    cpdef fail_one(self, exc)
    @cython.locals(items=list, trap=CTrap)
    cpdef wake_all(self, value)
    cpdef wake(self, CTrap trap, value)
