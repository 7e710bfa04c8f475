# Types for Cython (irqcontrol.py is the source; see setup.py): the
# interrupt controller's fields, declared on the base so that its work
# (here) and its state (irq.py's Interrupts) both reach them typed.

cdef class InterruptControl:
    cdef dict __dict__
    cdef public object k
    cdef public list pending
    cdef public list stack
    cdef public int mask
    cdef public list foreign
