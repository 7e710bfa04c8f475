/* muos._trap: the trap record in C (see _trap.c). Its layout is declared
   here so that the modules Cython compiles read a trap's fields directly
   (src/muos/_trap.pxd declares the same struct). */

#ifndef MUOS_TRAP_H
#define MUOS_TRAP_H

#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *obj;       /* the sync object (WAIT), a sleep's return value */
    PyObject *arg;       /* operation argument (wake-up time, message...) */
    PyObject *q;         /* the WaitQueue to wait on (WAIT) */
    PyObject *thread;    /* set by the kernel when it processes the trap */
    long long seq;       /* arrival order in its wait queue */
    int index;           /* position among wait_any's operations */
    /* (small types: the object fits 64 bytes, 80 with its GC header,
       16 less per waiting thread than with ints) */
    short kind;          /* SLEEP, YIELD, BUSY, WAIT, ... (traps.py) */
    char awaited;        /* yielded to the kernel, not resumed yet */
    char used;           /* ever awaited (or consumed by the kernel) */
} TrapObject;

#endif
