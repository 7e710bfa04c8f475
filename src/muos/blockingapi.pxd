# Types for Cython (blockingapi.py is the source; see setup.py): the
# blocking layer's cold part is an extension type, the base of Blocking.
cimport cython
from muos.kernelbase cimport KernelBase
from muos.thread cimport Thread

cdef class BlockingApi(KernelBase):
    @cython.locals(p=int, old=int, bp=int)
    cpdef recompute_priority(self, Thread t)
