# Types for Cython (kernel.py is the source; see setup.py).
cimport cython
from muos._trap cimport Trap as CTrap
from muos.irq cimport Interrupts
from muos.blocking cimport Blocking, preempt
from muos.ready cimport Link, ReadyList, _Head
from muos.thread cimport Thread
from muos.timeq cimport TimeQueue
from muos.waitq cimport WaitQueue

cdef class Kernel(Blocking):
    @cython.locals(tq=TimeQueue, heap=list, buckets=dict, ready=ReadyList,
                   levels=list, heads=list, listed=bytearray, irqs=Interrupts,
                   idle=Thread, timed=bint, traced=bint, cur=Thread,
                   prev=Thread, th=Thread, h=_Head, trap=CTrap, q=WaitQueue,
                   items=list, lv=int, b=list, entry=list, e=list, en=list, w=CTrap,
                   nxt=Link, ws=dict, k_sleep=int, k_wait=int, k_busy=int,
                   k_pass=int, jumps=bint, kind=int, pending=list,
                   foreign=list, istack=list, mwaits=list,
                   port=object)
    cpdef _loop(self, until_ns)
