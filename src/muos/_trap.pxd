# The C trap's fields (_trap.h) for the modules Cython compiles: they
# read and write a trap's fields directly. Keep in step with _trap.h.
cdef extern from "_trap.h":
    ctypedef class muos._trap.Trap [object TrapObject, check_size ignore]:
        cdef object obj
        cdef object arg
        cdef object q
        cdef object thread
        cdef long long seq
        cdef short kind
        cdef int index
