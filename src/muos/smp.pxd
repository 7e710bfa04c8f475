# Types for Cython (smp.py is the source; see setup.py).
cimport cython
from muos.irq cimport Interrupts
from muos.kernelbase cimport KernelBase
from muos.ready cimport ReadyList
from muos.thread cimport Thread
from muos.timeq cimport TimeQueue

@cython.final
cdef class Core:
    cdef public Thread _current
    cdef public Thread _last
    cdef public object _slice_from
    cdef public object _overhead
    cdef public int _lock
    cdef public int _isr
    cdef public Interrupts _irqs
    cdef public Thread idle
    cdef public int _cpu
    cdef public object idle_ns
    cdef public Thread _next
    cdef public bint _free
    cdef public bint _cand

@cython.locals(on=Core)
cpdef save(KernelBase k)
cpdef load(KernelBase k, Core c)
cpdef bint _before(Thread a, Thread b)
@cython.locals(done=list, c=Core, cur=Thread, cores=list, tq=TimeQueue,
               irqs=Interrupts, st=list, heap=list)
cpdef select(KernelBase k, until_ns)
@cython.locals(c=Core, cur=Thread, ready=ReadyList, cores=list,
               nfree=Py_ssize_t, nrun=Py_ssize_t, least=Thread, need=bint,
               preemptive=bint, irqs=Interrupts, top=Thread, t=Thread)
cpdef place(KernelBase k)
cpdef bint _rotates(KernelBase k, Core c, Thread cur, ReadyList ready)
@cython.locals(t=Thread, c=Core, r=Core, best=Core, cur=Thread, nxt=Thread,
               top=Thread, pending=bint)
cpdef _choose(list cores, Py_ssize_t left, Py_ssize_t nrun,
              ReadyList ready)
@cython.locals(a=Thread, b=Thread)
cpdef bint _less_urgent(Core c, Core best)
@cython.locals(old=Thread, ready=ReadyList, prev=Thread)
cpdef _switch(KernelBase k, Core c, Thread t, list cores)
@cython.locals(c=Core)
cpdef bint _placed(Thread t, list cores)
cpdef _slice_end(KernelBase k, Core c)
@cython.locals(c=Core, cur=Thread, ready=ReadyList, st=list, done=list)
cpdef bint _advance(KernelBase k, list cores, until_ns)
