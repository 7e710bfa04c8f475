# Types for Cython (power.py is the source; see setup.py).
cimport cython
from muos.kernelbase cimport KernelBase

@cython.locals(deep=bint)
cpdef idle_sleep(KernelBase k, nt, until_ns)
