# Types for Cython (timeq.py is the source; see setup.py).
cimport cython

@cython.final
cdef class TimeQueue:
    cdef public list _heap
    cdef public dict _buckets
    cdef public object _free
    cdef public object _debt
    cdef public object _nres
    cdef public object _room

    @cython.locals(e=list, h=list)
    cpdef push(self, when_ns, payload)
    @cython.locals(h=list, prev=list, nxt=list)
    cpdef cancel(self, list entry)
    cpdef recycle(self, list entry)
    @cython.locals(heap=list, buckets=dict)
    cpdef next_time(self)
    cpdef pop_earliest(self)
