# Types for Cython (kernelbase.py is the source; see setup.py). The run
# loop's state as typed fields; every other attribute is in __dict__.
from muos.irq cimport Interrupts
from muos.kernelapi cimport KernelApi
from muos.ready cimport ReadyList
from muos.thread cimport Thread
from muos.timeq cimport TimeQueue

cdef class KernelBase(KernelApi):
    cdef dict __dict__
    cdef object __weakref__
    cdef public object _now
    cdef public bint _stop
    cdef public object _overhead
    cdef public Thread _current
    cdef public Thread _last
    cdef public object _seq
    cdef public object _slice_from
    cdef public ReadyList _ready
    cdef public TimeQueue _tq
    cdef public object _trace
    cdef public object _mwaits
    cdef public int _isr
    cdef public int _lock
    cdef public Interrupts _irqs
    cdef public object tick_hz
    cdef public object _slice
    cdef public Thread idle
    cdef public object stats
    cdef public bint _timed_steps
    cdef public object _switch_cost
    cdef public object _tick_cost
    cdef public object _tick
    cdef public bint _preemptive
    cdef public bint _edf
    cdef public object _cores
    cdef public int _cpu
    cdef public object _on
    cdef public list _done
    cdef public object port
    cdef public int _dead
    cdef public list _threads

