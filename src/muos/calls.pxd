# Types for Cython (calls.py is the source; see setup.py).
cimport cython
from muos._trap cimport Trap as CTrap
from muos.kernelbase cimport KernelBase
from muos.thread cimport Thread

@cython.locals(k=KernelBase, t=CTrap, c=Thread)
cpdef sleep_for(ticks)
@cython.locals(k=KernelBase, t=CTrap)
cpdef busy(ticks)
