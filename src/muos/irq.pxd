# Types for Cython (irq.py is the source; see setup.py). Its fields are
# declared on its base, irqcontrol.InterruptControl.
from muos.irqcontrol cimport InterruptControl

cdef class Interrupts(InterruptControl):
    pass
