# Types for Cython (threadapi.py is the source; see setup.py): Thread's
# cold part is an extension type between ThreadCounters and Thread.
from muos.stats cimport ThreadCounters

cdef class ThreadApi(ThreadCounters):
    pass
