# Types for Cython (ready.py is the source; see setup.py).
cimport cython

cdef class Link:
    cdef public object _rnext
    cdef public object _rprev

@cython.final
cdef class _Head(Link):
    pass

@cython.final
cdef class ReadyList:
    cdef public list _heads
    cdef public bytearray _listed
    cdef public list _levels
    cdef public dict _dheaps
    cdef public Py_ssize_t _ndl
    cdef public object _tail_seq
    cdef public object _head_seq

    @cython.locals(p=int, h=_Head, nxt=Link, prv=Link, tl=Link)
    cpdef _insert(self, t, bint before)
    cpdef push_tail(self, t)
    cpdef push_head(self, t)
    @cython.locals(i=Py_ssize_t, nxt=Link, prv=Link, tl=Link)
    cpdef remove(self, t)
    @cython.locals(p=int, h=_Head)
    cpdef top(self)
    cpdef pop_top(self)
    cpdef top_level(self, int p)
    @cython.locals(h=_Head, p=int, n=Py_ssize_t, f=Link, lv=int, dh=list)
    cpdef bint has_more(self, t, int tp)
    @cython.locals(h=_Head)
    cpdef has_equal(self, int p, d)
