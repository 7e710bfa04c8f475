# Types for Cython (calls.py is the source; see setup.py).
cimport cython
from muos._trap cimport Trap as CTrap
from muos.kernelbase cimport KernelBase

@cython.locals(k=KernelBase, t=CTrap)
cpdef sleep_for(ticks)
@cython.locals(k=KernelBase, t=CTrap)
cpdef busy(ticks)
