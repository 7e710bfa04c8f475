# Types for Cython (power.py is the source; see setup.py).
cimport cython
from muos.kernelbase cimport KernelBase
from muos.ready cimport _Head
from muos.thread cimport Thread
from muos.timeq cimport TimeQueue

@cython.locals(h=_Head)
cpdef bint advance(KernelBase k, Thread cur, until_ns)
cpdef spend_overhead(KernelBase k, now, until_ns)
cpdef slice_end(KernelBase k)

@cython.locals(tq=TimeQueue)
cpdef bint idle_sleep(KernelBase k, until_ns)
@cython.locals(deep=bint)
cdef bint _modelled_sleep(KernelBase k, nt, until_ns, pm)
