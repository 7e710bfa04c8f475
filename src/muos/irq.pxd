# Types for Cython (irq.py is the source; see setup.py).

cdef class Interrupts:
    cdef dict __dict__
    cdef public object k
    cdef public list pending
    cdef public list stack
    cdef public int mask
    cdef public list foreign
