# Types for Cython (blocking.py is the source; see setup.py).
cimport cython
from muos._trap cimport Trap as CTrap
from muos.blockingapi cimport BlockingApi
from muos.ready cimport Link, ReadyList, _Head
from muos.thread cimport Thread

cdef class Blocking(BlockingApi):
    @cython.locals(t=Thread, r=ReadyList, h=_Head, p=int, w=dict, prv=Link)
    cpdef wake(self, CTrap trap, value=*, exc=*)
    cpdef _make_ready(self, Thread t, why)

@cython.locals(ready=ReadyList, top=Thread)
cpdef preempt(Blocking k, Thread cur, now)
