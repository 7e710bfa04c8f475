/* muos._speedups: the kernel's run loop in C (CPython only, optional).

   It is a transcription of Kernel._loop (kernel.py), which stays the
   reference and the path taken when this module is missing (MicroPython,
   no compiler) or MUOS_PURE=1 is set. Only the common cases are written
   here (the pick of the most urgent thread, the step of its coroutine, a
   wait that blocks, a sleep, busy work, a sleep that ends); every other
   branch calls the very Python method the Python loop calls, so the two
   loops differ in speed, never in behaviour. The objects' slots are read
   and written at the offsets of their member descriptors, found once by
   setup() from the classes themselves. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define SLOT(o, off) (*(PyObject **)((char *)(o) + (off)))

/* the C part of a trap (see TrapBase below): its await state, and its
   arrival number and wait_any position as C ints (no int object per
   wait: 32 bytes less per waiting thread) */
typedef struct {
    PyObject_HEAD
    int awaited;               /* yielded to the kernel, not resumed yet */
    int index;                 /* position among wait_any's operations */
    long long seq;             /* arrival order in its wait queue */
} TrapBaseObject;

/* kernel, thread, ready-list head, trap, wait queue slot offsets */
static Py_ssize_t K_now, K_stop, K_overhead, K_current, K_last, K_seq,
    K_slice_from, K_ready, K_trace, K_mwaits, K_isr, K_lock, K_irqs,
    K_tick_hz;
static Py_ssize_t T_rnext, T_rprev, T_state, T_switches, T_priority, T_work,
    T_wake_exc, T_wake_value, T_coro, T_trap, T_tentry, T_blk_at, T_blk_on,
    T_interrupted, T_name, T_waits, T_cpu_ns, T_kernel;
static Py_ssize_t H_rnext, H_rprev;
static Py_ssize_t P_kind, P_obj, P_arg, P_q, P_thread;
static Py_ssize_t Q_items, Q_fast;
static Py_ssize_t R_heads, R_listed, R_levels;

static PyTypeObject *ThreadType, *TrapType, *HeadType, *SimPortType,
    *WaitQueueType;
static PyObject *BLOCK, *STEP, *RUNNING, *SUSPENDED, *READY;
static PyObject *py_wake;          /* Kernel.wake in Python: the general
                                      path of the C wake */
static long WAIT_K, SLEEP_K, BUSY_K;
static PyObject *heappush_f, *heappop_f;
static PyObject *s_stopped, *s_until, *s_idle, *s_sleep, *s_switch;
static PyObject *s_try, *s_unblock, *s_top_level, *s_stats, *s_idle_ns,
    *s_mask, *s_now, *s_advance, *s_running, *s_q, *s_wake;
static int ready = 0;
/* method names, interned once (a C-string name would make a new str
   object per call) */
static PyObject *m_fire, *m_timeout, *m_dispatch, *m_run_top,
    *m_spend_overhead, *m_preempt, *m_emit, *m_advance, *m_step, *m_throw,
    *m_ended, *m_trap_in, *m_suspend, *m_push;


/* the interned str of a C string literal, made once per literal (its
   address is stable): PyObject_GetAttrString would make a new str object
   at every call, which the type attribute cache then keeps alive */
#define NAMES 64
static const char *name_keys[NAMES];
static PyObject *name_vals[NAMES];

static PyObject *
name(const char *s)
{
    for (int i = 0; i < NAMES; i++) {
        if (name_keys[i] == s)
            return name_vals[i];
        if (name_keys[i] == NULL) {
            PyObject *v = PyUnicode_InternFromString(s);
            if (v == NULL)
                return NULL;
            name_keys[i] = s;
            name_vals[i] = v;
            return v;
        }
    }
    PyErr_SetString(PyExc_SystemError, "muos._speedups: too many names");
    return NULL;
}

static PyObject *
get(PyObject *o, const char *s)
{
    PyObject *n = name(s);
    return n == NULL ? NULL : PyObject_GetAttr(o, n);
}

/* set slot `off` of `o` to `v` (a new reference is taken) */
static inline void
set_slot(PyObject *o, Py_ssize_t off, PyObject *v)
{
    PyObject *old = SLOT(o, off);
    Py_INCREF(v);
    SLOT(o, off) = v;
    Py_XDECREF(old);
}

/* the ready-list links: heads (_Head) and threads have them at
   different offsets */
static inline PyObject *
get_next(PyObject *o)
{
    return SLOT(o, Py_TYPE(o) == HeadType ? H_rnext : T_rnext);
}

static inline void
set_prev(PyObject *o, PyObject *v)
{
    set_slot(o, Py_TYPE(o) == HeadType ? H_rprev : T_rprev, v);
}

static int
member_offset(PyObject *cls, const char *name, Py_ssize_t *off)
{
    PyObject *d = PyObject_GetAttrString(cls, name);
    if (d == NULL)
        return -1;
    if (!Py_IS_TYPE(d, &PyMemberDescr_Type)
            || ((PyMemberDescrObject *)d)->d_member->type != T_OBJECT_EX) {
        PyErr_Format(PyExc_TypeError, "%R.%s is not a slot", cls, name);
        Py_DECREF(d);
        return -1;
    }
    *off = ((PyMemberDescrObject *)d)->d_member->offset;
    Py_DECREF(d);
    return 0;
}

/* a slot that must be set: its value (borrowed), or NULL and
   AttributeError */
static inline PyObject *
need(PyObject *o, Py_ssize_t off, const char *name)
{
    PyObject *v = SLOT(o, off);
    if (v == NULL)
        PyErr_Format(PyExc_AttributeError, "%R has no %s", o, name);
    return v;
}

static PyObject *
setup(PyObject *mod, PyObject *args)
{
    PyObject *kcls, *tcls, *pcls, *hcls, *qcls, *rcls, *heapq, *pywake;
    PyObject *block, *step, *running, *suspended, *readys, *simport;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOlllOO", &kcls, &tcls, &pcls,
                          &hcls, &qcls, &rcls, &block, &step, &running,
                          &suspended, &readys, &WAIT_K, &SLEEP_K, &BUSY_K,
                          &pywake, &simport))
        return NULL;
    if (!PyType_Check(simport)) {
        PyErr_SetString(PyExc_TypeError, "setup: SimPort class expected");
        return NULL;
    }
    Py_INCREF(simport);
    Py_XSETREF(SimPortType, (PyTypeObject *)simport);
    struct { PyObject *cls; const char *name; Py_ssize_t *off; } m[] = {
        {kcls, "_now", &K_now}, {kcls, "_stop", &K_stop},
        {kcls, "_overhead", &K_overhead}, {kcls, "_current", &K_current},
        {kcls, "_last", &K_last}, {kcls, "_seq", &K_seq},
        {kcls, "_slice_from", &K_slice_from}, {kcls, "_ready", &K_ready},
        {kcls, "_trace", &K_trace}, {kcls, "_mwaits", &K_mwaits},
        {kcls, "_isr", &K_isr}, {kcls, "_lock", &K_lock},
        {kcls, "_irqs", &K_irqs}, {kcls, "tick_hz", &K_tick_hz},
        {tcls, "waits", &T_waits}, {tcls, "cpu_ns", &T_cpu_ns},
        {tcls, "_kernel", &T_kernel},
        {rcls, "_heads", &R_heads}, {rcls, "_listed", &R_listed},
        {rcls, "_levels", &R_levels},
        {tcls, "_rnext", &T_rnext}, {tcls, "_rprev", &T_rprev},
        {tcls, "state", &T_state}, {tcls, "switches", &T_switches},
        {tcls, "priority", &T_priority}, {tcls, "_work", &T_work},
        {tcls, "_wake_exc", &T_wake_exc},
        {tcls, "_wake_value", &T_wake_value}, {tcls, "_coro", &T_coro},
        {tcls, "_trap", &T_trap}, {tcls, "_tentry", &T_tentry},
        {tcls, "blk_at", &T_blk_at}, {tcls, "blk_on", &T_blk_on},
        {tcls, "interrupted", &T_interrupted}, {tcls, "name", &T_name},
        {hcls, "_rnext", &H_rnext}, {hcls, "_rprev", &H_rprev},
        {pcls, "kind", &P_kind}, {pcls, "obj", &P_obj},
        {pcls, "arg", &P_arg}, {pcls, "q", &P_q},
        {pcls, "thread", &P_thread},
        {qcls, "items", &Q_items}, {qcls, "fast", &Q_fast},
    };
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (member_offset(m[i].cls, m[i].name, m[i].off) < 0)
            return NULL;
    if (!PyType_Check(tcls) || !PyType_Check(pcls) || !PyType_Check(hcls)
            || !PyType_Check(qcls)) {
        PyErr_SetString(PyExc_TypeError, "setup: classes expected");
        return NULL;
    }
    Py_INCREF(tcls); Py_XSETREF(ThreadType, (PyTypeObject *)tcls);
    Py_INCREF(pcls); Py_XSETREF(TrapType, (PyTypeObject *)pcls);
    Py_INCREF(hcls); Py_XSETREF(HeadType, (PyTypeObject *)hcls);
    Py_INCREF(qcls); Py_XSETREF(WaitQueueType, (PyTypeObject *)qcls);
    Py_INCREF(block); Py_XSETREF(BLOCK, block);
    Py_INCREF(step); Py_XSETREF(STEP, step);
    Py_INCREF(running); Py_XSETREF(RUNNING, running);
    Py_INCREF(suspended); Py_XSETREF(SUSPENDED, suspended);
    Py_INCREF(readys); Py_XSETREF(READY, readys);
    Py_INCREF(pywake); Py_XSETREF(py_wake, pywake);
    heapq = PyImport_ImportModule("heapq");
    if (heapq == NULL)
        return NULL;
    Py_XSETREF(heappush_f, PyObject_GetAttrString(heapq, "heappush"));
    Py_XSETREF(heappop_f, PyObject_GetAttrString(heapq, "heappop"));
    Py_DECREF(heapq);
    if (heappush_f == NULL || heappop_f == NULL)
        return NULL;
    ready = 1;
    Py_RETURN_NONE;
}

/* o is the int 0 (a scheduler lock depth, an interrupt nesting depth):
   CPython keeps one 0 object (a small int), so identity tells */
static PyObject *zero_int;

static inline int
is_zero(PyObject *o)
{
    return o == zero_int;
}

/* 1 when no interrupt line is masked (irqs.mask == 0), 0 when some is,
   -1 on an error */
static int
unmasked(PyObject *irqs)
{
    PyObject *mask = PyObject_GetAttr(irqs, s_mask);
    int zero;
    if (mask == NULL)
        return -1;
    zero = is_zero(mask);
    Py_DECREF(mask);
    return zero;
}

/* drop a call's result; on an error, release what the loop holds */
#define CALL_DROP_NOW(res) do { PyObject *r_ = (res); \
        if (r_ == NULL) { goto error_now; } \
        Py_DECREF(r_); } while (0)
#define CALL_DROP_CUR(res) do { PyObject *r_ = (res); \
        if (r_ == NULL) { goto error_cur; } \
        Py_DECREF(r_); } while (0)

/* an int as a C long long; -1 on an error (not an int, too big). Through
   PyLong_AsLongAndOverflow: PyLong_AsLongLong converts every int above
   2**30 (most times in ns) through a byte array, 1,800 instructions a
   simulated job in simtime.py */
static inline int
as_ll(PyObject *o, long long *v)
{
    int overflow;
    long x;
    if (sizeof(long) < sizeof(long long)) {
        *v = PyLong_AsLongLong(o);
        return *v == -1 && PyErr_Occurred() ? -1 : 0;
    }
    x = PyLong_AsLongAndOverflow(o, &overflow);
    if (overflow) {
        PyErr_SetString(PyExc_OverflowError, "muos: time beyond 64 bits");
        return -1;
    }
    *v = x;
    return x == -1 && PyErr_Occurred() ? -1 : 0;
}

/* Kernel.wake(trap, value=None, exc=None): the common case (one plain
   wait without a timeout ends, no tracing, no mutex wait in progress) in
   C, everything else by the Python method (kernel.py's wake is the
   reference: this is its fast path, transcribed). */
static PyObject *
wake_impl(PyObject *k, PyObject *trap, PyObject *value, PyObject *exc)
{
    PyObject *t = SLOT(trap, P_thread), *tr, *mw, *w, *on, *now, *rl, *h;
    PyObject *prv, *heads, *listed, *lv;
    long p;
    tr = SLOT(k, K_trace);
    mw = SLOT(k, K_mwaits);
    if (t == NULL || Py_TYPE(t) != ThreadType || SLOT(t, T_trap) != trap
            || SLOT(t, T_tentry) != Py_None || tr != Py_None
            || mw == NULL || !PyList_CheckExact(mw) || PyList_GET_SIZE(mw))
        return PyObject_CallFunctionObjArgs(py_wake, k, trap, value, exc,
                                            NULL);
    Py_INCREF(t);
    set_slot(t, T_trap, Py_None);
    w = SLOT(t, T_waits);
    on = SLOT(t, T_blk_on);
    now = SLOT(k, K_now);
    if (w != Py_None && PyDict_CheckExact(w) && on != NULL
            && PyDict_Contains(w, on) == 1) {
        PyObject *old = PyDict_GetItemWithError(w, on), *d, *n;
        if (old == NULL)
            goto error;
        d = PyNumber_Subtract(now, SLOT(t, T_blk_at));
        if (d == NULL)
            goto error;
        n = PyNumber_Add(old, d);
        Py_DECREF(d);
        if (n == NULL || PyDict_SetItem(w, on, n) < 0) {
            Py_XDECREF(n);
            goto error;
        }
        Py_DECREF(n);
        set_slot(t, T_blk_on, Py_None);
    } else {                    /* the first wait on that object */
        PyObject *st = PyObject_GetAttr(k, s_stats), *r;
        if (st == NULL)
            goto error;
        r = PyObject_CallMethodObjArgs(st, s_unblock, t, now, NULL);
        Py_DECREF(st);
        if (r == NULL)
            goto error;
        Py_DECREF(r);
    }
    set_slot(t, T_wake_value, value);
    set_slot(t, T_wake_exc, exc);
    set_slot(t, T_state, READY);
    /* ready.push_tail, inline */
    rl = SLOT(k, K_ready);
    heads = SLOT(rl, R_heads);
    listed = SLOT(rl, R_listed);
    p = PyLong_AsLong(SLOT(t, T_priority));
    if (p == -1 && PyErr_Occurred())
        goto error;
    h = PyList_GET_ITEM(heads, p);
    prv = SLOT(h, H_rprev);
    Py_INCREF(prv);
    set_slot(t, T_rnext, h);
    set_slot(t, T_rprev, prv);
    set_slot(prv, Py_TYPE(prv) == HeadType ? H_rnext : T_rnext, t);
    set_slot(h, H_rprev, t);
    Py_DECREF(prv);
    lv = PyList_GET_ITEM(listed, p);
    if (lv != Py_True) {        /* ready.top_level(p), inline */
        PyObject *r, *mp = PyLong_FromLong(-p);
        if (mp == NULL)
            goto error;
        Py_INCREF(Py_True);
        PyList_SetItem(listed, p, Py_True);
        r = PyObject_CallFunctionObjArgs(heappush_f, SLOT(rl, R_levels),
                                         mp, NULL);
        Py_DECREF(mp);
        if (r == NULL)
            goto error;
        Py_DECREF(r);
    }
    Py_DECREF(t);
    Py_RETURN_NONE;
error:
    Py_DECREF(t);
    return NULL;
}

static PyObject *
wake(PyObject *k, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError,
                        "wake(trap, value=None, exc=None)");
        return NULL;
    }
    if (!ready) {
        PyErr_SetString(PyExc_RuntimeError, "muos._speedups: no setup()");
        return NULL;
    }
    return wake_impl(k, args[0], nargs > 1 ? args[1] : Py_None,
                     nargs > 2 ? args[2] : Py_None);
}

/* tq.next_time(), inline: 1 and *nt the earliest instant with a live
   entry (instants whose entries were all cancelled are dropped), 0 when
   there is none, -1 on an error */
static int
next_time(PyObject *heap, PyObject *buckets, long long *nt)
{
    while (PyList_GET_SIZE(heap)) {
        PyObject *t0 = PyList_GET_ITEM(heap, 0), *b, *r;
        int rc;
        b = PyDict_GetItemWithError(buckets, t0);
        if (b == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetObject(PyExc_KeyError, t0);
            return -1;
        }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(b); i++)
            if (PyList_GET_ITEM(PyList_GET_ITEM(b, i), 1) != Py_None)
                return as_ll(t0, nt) < 0 ? -1 : 1;
        /* every entry there was cancelled */
        r = PyObject_CallOneArg(heappop_f, heap);
        if (r == NULL)
            return -1;
        rc = PyDict_DelItem(buckets, r);
        Py_DECREF(r);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* port.advance(target, busy): SimPort's (simulated time jumps) done
   here when the port is exactly a SimPort, else the port's method */
static PyObject *
port_advance(PyObject *port, long long target, PyObject *busy)
{
    PyObject *to = PyLong_FromLongLong(target), *r;
    if (to == NULL)
        return NULL;
    if (Py_TYPE(port) == SimPortType) {
        long long now;
        PyObject *cur = PyObject_GetAttr(port, s_now);
        if (cur == NULL || as_ll(cur, &now) < 0) {
            Py_XDECREF(cur);
            Py_DECREF(to);
            return NULL;
        }
        if (target > now) {
            Py_DECREF(cur);
            if (PyObject_SetAttr(port, s_now, to) < 0) {
                Py_DECREF(to);
                return NULL;
            }
            return to;
        }
        Py_DECREF(to);
        return cur;
    }
    r = PyObject_CallMethodObjArgs(port, s_advance, to, busy, NULL);
    Py_DECREF(to);
    return r;
}

/* `amount` (ns) added to the int in slot `off` of `o`; -1 on error */
static int
add_ns(PyObject *o, Py_ssize_t off, long long amount)
{
    PyObject *d = PyLong_FromLongLong(amount), *v;
    if (d == NULL)
        return -1;
    v = PyNumber_Add(SLOT(o, off), d);
    Py_DECREF(d);
    if (v == NULL)
        return -1;
    set_slot(o, off, v);
    Py_DECREF(v);
    return 0;
}

/* power.idle_sleep's common case (no power model, a port that nothing
   outside wakes, an event ahead): the CPU sleeps until that event or
   `until`. True, or NULL with *general set when Python must decide. */
static PyObject *
idle_fast(PyObject *k, PyObject *idle, PyObject *stats, int has_until,
          long long until_ns, PyObject *heap, PyObject *buckets,
          PyObject *port, int *general)
{
    long long now, nt, target, nw;
    PyObject *r, *v, *d;
    int rc;
    *general = 1;
    rc = next_time(heap, buckets, &nt);
    if (rc <= 0)
        return NULL;             /* no event ahead, or an error */
    *general = 0;
    if (as_ll(SLOT(k, K_now), &now) < 0)
        return NULL;
    target = has_until && nt > until_ns ? until_ns : nt;
    r = port_advance(port, target, Py_False);
    if (r == NULL)
        return NULL;
    if (as_ll(r, &nw) < 0) {
        Py_DECREF(r);
        return NULL;
    }
    set_slot(k, K_now, r);
    Py_DECREF(r);
    if (add_ns(idle, T_cpu_ns, nw - now) < 0)
        return NULL;
    v = PyObject_GetAttr(stats, s_idle_ns);
    if (v == NULL)
        return NULL;
    d = PyLong_FromLongLong(nw - now);
    if (d == NULL) {
        Py_DECREF(v);
        return NULL;
    }
    Py_SETREF(v, PyNumber_Add(v, d));
    Py_DECREF(d);
    if (v == NULL || PyObject_SetAttr(stats, s_idle_ns, v) < 0) {
        Py_XDECREF(v);
        return NULL;
    }
    Py_DECREF(v);
    Py_RETURN_TRUE;
}

/* Kernel._preempt's common case: the idle thread has the CPU and a thread
   is ready (no scheduler lock, no interrupt mask, no tracing): the idle
   thread goes back to the head of its level. Returns None (it was
   preempted) or NULL with *general set. */
static PyObject *
preempt_idle(PyObject *k, PyObject *idle, PyObject *levels, PyObject *heads,
             PyObject *listed, PyObject *irqs, int *general)
{
    PyObject *v, *h, *nxt, *rl;
    long p;
    *general = 1;
    if (!is_zero(SLOT(k, K_lock)) || unmasked(irqs) != 1) {
        PyErr_Clear();
        return NULL;             /* the method decides (or raises) */
    }
    /* ready.top(): drop the levels emptied since */
    for (;;) {
        long lv;
        if (!PyList_GET_SIZE(levels))
            return NULL;         /* nothing ready: the method says so */
        lv = -PyLong_AsLong(PyList_GET_ITEM(levels, 0));
        if (lv < 0 || lv >= PyList_GET_SIZE(heads)) {
            PyErr_Clear();
            return NULL;
        }
        h = PyList_GET_ITEM(heads, lv);
        if (SLOT(h, H_rnext) != h)
            break;
        v = PyObject_CallOneArg(heappop_f, levels);
        if (v == NULL) {
            *general = 0;
            return NULL;
        }
        Py_DECREF(v);
        Py_INCREF(Py_False);
        PyList_SetItem(listed, lv, Py_False);
    }
    *general = 0;
    /* ready.push_head(idle) */
    set_slot(idle, T_state, READY);
    p = PyLong_AsLong(SLOT(idle, T_priority));
    if (p == -1 && PyErr_Occurred())
        return NULL;
    h = PyList_GET_ITEM(heads, p);
    nxt = SLOT(h, H_rnext);
    Py_INCREF(nxt);
    set_slot(idle, T_rnext, nxt);
    set_slot(idle, T_rprev, h);
    set_slot(h, H_rnext, idle);
    set_prev(nxt, idle);
    Py_DECREF(nxt);
    if (PyList_GET_ITEM(listed, p) != Py_True) {
        PyObject *pp = PyLong_FromLong(p);
        rl = SLOT(k, K_ready);
        if (pp == NULL)
            return NULL;
        v = PyObject_CallMethodObjArgs(rl, s_top_level, pp, NULL);
        Py_DECREF(pp);
        if (v == NULL)
            return NULL;
        Py_DECREF(v);
    }
    Py_RETURN_NONE;
}

/* Kernel._advance's common case: `cur` computes (busy work left, no
   other thread ready at its level, no tick cost): time passes to the end
   of the work or to the next event. Returns STEP (work done), True, or
   NULL with *general set when the Python method must decide instead. */
static PyObject *
advance_fast(PyObject *k, PyObject *cur, int has_until, long long until_ns,
             PyObject *heap, PyObject *buckets, PyObject *heads,
             PyObject *port, int *general)
{
    PyObject *w = SLOT(cur, T_work), *h, *r, *to, *cpu;
    long long work, now, target, nw, dt, nt;
    long p;
    *general = 1;
    if (w == NULL || !PyLong_CheckExact(w))
        return NULL;
    work = PyLong_AsLongLong(w);
    if (work <= 0) {               /* the idle thread's sleep, or none */
        PyErr_Clear();
        return NULL;
    }
    p = PyLong_AsLong(SLOT(cur, T_priority));
    if (p < 0 || p >= PyList_GET_SIZE(heads)) {
        PyErr_Clear();
        return NULL;
    }
    h = PyList_GET_ITEM(heads, p);
    if (SLOT(h, H_rnext) != h)     /* round-robin may cut it short */
        return NULL;
    *general = 0;
    if (as_ll(SLOT(k, K_now), &now) < 0)
        return NULL;
    target = now + work;
    switch (next_time(heap, buckets, &nt)) {
    case -1:
        return NULL;
    case 1:
        if (nt < target)
            target = nt;
    }
    if (has_until && target > until_ns)
        target = until_ns;
    r = port_advance(port, target, Py_True);
    if (r == NULL)
        return NULL;
    if (as_ll(r, &nw) < 0) {
        Py_DECREF(r);
        return NULL;
    }
    dt = nw - now;
    set_slot(k, K_now, r);
    Py_DECREF(r);
    to = PyLong_FromLongLong(dt);
    if (to == NULL)
        return NULL;
    cpu = PyNumber_Add(SLOT(cur, T_cpu_ns), to);
    Py_DECREF(to);
    if (cpu == NULL)
        return NULL;
    set_slot(cur, T_cpu_ns, cpu);
    Py_DECREF(cpu);
    work -= dt;
    if (work <= 0) {
        to = PyLong_FromLong(0);
        r = STEP;
    } else {
        to = PyLong_FromLongLong(work);
        r = Py_True;
    }
    if (to == NULL)
        return NULL;
    set_slot(cur, T_work, to);
    Py_DECREF(to);
    return Py_NewRef(r);
}

/* 1. of the loop: everything due at `now` happens, in scheduling order
   (timers fire, sleeps and timeouts end); -1 on an error */
static int
fire_due(PyObject *k, PyObject *heap, PyObject *buckets, PyObject *mwaits,
         int traced, long long now)
{
    while (PyList_GET_SIZE(heap)) {
        long long first;
        PyObject *es;
        if (as_ll(PyList_GET_ITEM(heap, 0), &first) < 0)
            return -1;
        if (first > now)
            break;
        {
            /* tq.pop_earliest(), inline */
            PyObject *when = PyObject_CallOneArg(heappop_f, heap);
            if (when == NULL)
                return -1;
            es = PyDict_GetItemWithError(buckets, when);
            Py_XINCREF(es);
            if (es == NULL || PyDict_DelItem(buckets, when) < 0) {
                if (!PyErr_Occurred())
                    PyErr_SetObject(PyExc_KeyError, when);
                Py_DECREF(when);
                Py_XDECREF(es);
                return -1;
            }
            Py_DECREF(when);
            if (!PyList_CheckExact(es)) {
                Py_DECREF(es);
                PyErr_SetString(PyExc_TypeError, "a bucket: a list");
                return -1;
            }
        }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(es); i++) {
            PyObject *e = PyList_GET_ITEM(es, i), *p, *r, *pt;
            p = PyList_GET_ITEM(e, 1);
            if (p == Py_None)
                continue;
            Py_INCREF(p);
            Py_INCREF(Py_None);
            PyList_SetItem(e, 1, Py_None);
            if (Py_TYPE(p) != ThreadType) {
                r = PyObject_CallMethodObjArgs(p, m_fire, k, NULL);
            } else if ((pt = SLOT(p, T_trap)) != NULL && pt != Py_None
                       && PyLong_AsLong(SLOT(pt, P_kind)) == SLEEP_K
                       && !traced && PyList_GET_SIZE(mwaits) == 0) {
                /* a sleep ends (the common case of _timeout) */
                set_slot(p, T_tentry, Py_None);
                Py_INCREF(pt);
                r = wake_impl(k, pt, SLOT(pt, P_obj), Py_None);
                Py_DECREF(pt);
            } else {
                r = PyObject_CallMethodObjArgs(k, m_timeout, p, NULL);
            }
            Py_DECREF(p);
            if (r == NULL) {
                Py_DECREF(es);
                return -1;
            }
            Py_DECREF(r);
        }
        Py_DECREF(es);
    }
    return 0;
}

/* the common sleep, inline (see Kernel._trap_in): `cur` sleeps until
   `arg` (ns), its entry pushed on the time queue; -1 on an error */
static int
sleep_inline(PyObject *k, PyObject *cur, PyObject *trap, PyObject *arg,
             PyObject *now_o, PyObject *heap, PyObject *buckets)
{
    PyObject *entry, *bk;
    int b;
    set_slot(trap, P_thread, cur);
    set_slot(cur, T_trap, trap);
    entry = PyList_New(2);
    if (entry == NULL)
        return -1;
    Py_INCREF(arg);
    PyList_SET_ITEM(entry, 0, arg);
    Py_INCREF(cur);
    PyList_SET_ITEM(entry, 1, cur);
    bk = PyDict_GetItemWithError(buckets, arg);
    if (bk == NULL) {
        PyObject *nb, *r;
        if (PyErr_Occurred()) {
            Py_DECREF(entry);
            return -1;
        }
        nb = PyList_New(1);
        if (nb == NULL) {
            Py_DECREF(entry);
            return -1;
        }
        Py_INCREF(entry);
        PyList_SET_ITEM(nb, 0, entry);
        b = PyDict_SetItem(buckets, arg, nb);
        Py_DECREF(nb);
        r = b < 0 ? NULL : PyObject_CallFunctionObjArgs(
            heappush_f, heap, arg, NULL);
        if (r == NULL) {
            Py_DECREF(entry);
            return -1;
        }
        Py_DECREF(r);
    } else if (PyList_Append(bk, entry) < 0) {
        Py_DECREF(entry);
        return -1;
    }
    set_slot(cur, T_tentry, entry);
    Py_DECREF(entry);
    set_slot(cur, T_state, SUSPENDED);
    set_slot(k, K_current, Py_None);
    set_slot(cur, T_blk_at, now_o);
    set_slot(cur, T_blk_on, s_sleep);
    return 0;
}

/* the common wait, inline: try it; if it must block, queue it (see
   Kernel._loop and _suspend); -1 on an error */
static int
wait_inline(PyObject *k, PyObject *cur, PyObject *trap, PyObject *now_o,
            int traced)
{
    PyObject *v;
    int b;
    PyObject *obj = SLOT(trap, P_obj), *q, *items, *fast, *seq;
    Py_ssize_t n;
    set_slot(trap, P_thread, cur);
    Py_INCREF(obj);
    v = PyObject_CallMethodOneArg(obj, s_try, trap);
    if (v == NULL) {
        PyObject *tp, *e, *tb;
        if (!PyErr_ExceptionMatches(PyExc_Exception)) {
            Py_DECREF(obj);
            return -1;
        }
        PyErr_Fetch(&tp, &e, &tb);
        PyErr_NormalizeException(&tp, &e, &tb);
        if (tb != NULL && e != NULL)
            PyException_SetTraceback(e, tb);
        Py_XDECREF(tp);
        Py_XDECREF(tb);
        if (e != NULL) {
            set_slot(cur, T_wake_exc, e);
            Py_DECREF(e);
        }
        Py_DECREF(obj);
        return 0;
    }
    if (v != BLOCK) {
        set_slot(cur, T_wake_value, v);
        Py_DECREF(v);
        Py_DECREF(obj);
        return 0;
    }
    Py_DECREF(v);
    q = SLOT(trap, P_q);
    fast = SLOT(q, Q_fast);
    b = PyObject_IsTrue(SLOT(cur, T_interrupted));
    if (b < 0) {
        Py_DECREF(obj);
        return -1;
    }
    if (b || fast != Py_True || traced) {
        PyObject *r = PyObject_CallMethodObjArgs(k, m_suspend, cur,
                                          trap, NULL);
        Py_DECREF(obj);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
        return 0;
    }
    {
        PyObject *one = PyLong_FromLong(1);
        seq = PyNumber_Add(SLOT(k, K_seq), one);
        Py_DECREF(one);
        if (seq == NULL) {
            Py_DECREF(obj);
            return -1;
        }
        set_slot(k, K_seq, seq);
        ((TrapBaseObject *)trap)->seq = PyLong_AsLongLong(seq);
        Py_DECREF(seq);
        if (PyErr_Occurred()) {
            Py_DECREF(obj);
            return -1;
        }
    }
    set_slot(cur, T_trap, trap);
    items = SLOT(q, Q_items);
    n = PyList_GET_SIZE(items);
    b = n == 0;
    if (!b) {
        PyObject *last = SLOT(PyList_GET_ITEM(items, n - 1),
                              P_thread);
        b = PyObject_RichCompareBool(SLOT(last, T_priority),
                                     SLOT(cur, T_priority), Py_GE);
        if (b < 0) {
            Py_DECREF(obj);
            return -1;
        }
    }
    if (b) {
        b = PyList_Append(items, trap);  /* behind every one as
                                            urgent */
    } else {
        PyObject *r = PyObject_CallMethodObjArgs(q, m_push, trap,
                                                 NULL);
        b = r == NULL ? -1 : 0;
        Py_XDECREF(r);
    }
    if (b < 0) {
        Py_DECREF(obj);
        return -1;
    }
    set_slot(cur, T_state, SUSPENDED);
    set_slot(k, K_current, Py_None);
    set_slot(cur, T_blk_at, now_o);
    set_slot(cur, T_blk_on, obj);
    Py_DECREF(obj);
    return 0;
}

static PyObject *
loop(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *k, *until_o;
    PyObject *tq = NULL, *heap = NULL, *buckets = NULL, *rl = NULL;
    PyObject *levels = NULL, *heads = NULL, *listed = NULL, *irqs = NULL;
    PyObject *pending = NULL, *foreign = NULL, *stack = NULL, *idle = NULL;
    PyObject *switch_cost = NULL, *trace = NULL, *mwaits = NULL;
    PyObject *port = NULL, *stats = NULL, *result = NULL;
    int timed, traced, has_until, cost, tick_cost, plain_idle;
    long long until_ns = 0;

    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "loop(kernel, until_ns)");
        return NULL;
    }
    if (!ready) {
        PyErr_SetString(PyExc_RuntimeError, "muos._speedups: no setup()");
        return NULL;
    }
    k = args[0];
    until_o = args[1];
    has_until = until_o != Py_None;
    if (has_until && as_ll(until_o, &until_ns) < 0)
        return NULL;
#define GET(var, obj, name) \
    if ((var = get(obj, name)) == NULL) goto error
    GET(tq, k, "_tq");
    GET(heap, tq, "_heap");
    GET(buckets, tq, "_buckets");
    GET(rl, k, "_ready");
    GET(levels, rl, "_levels");
    GET(heads, rl, "_heads");
    GET(listed, rl, "_listed");
    GET(irqs, k, "_irqs");
    GET(pending, irqs, "pending");
    GET(foreign, irqs, "foreign");
    GET(stack, irqs, "stack");
    GET(idle, k, "idle");
    GET(switch_cost, k, "_switch_cost");
    GET(trace, k, "_trace");
    GET(mwaits, k, "_mwaits");
    GET(port, k, "port");
    GET(stats, k, "stats");
    {
        /* idle sleeps without a power model, on a port nothing outside
           wakes, are the C loop's (power.idle_sleep does the rest) */
        PyObject *pm, *ext;
        GET(pm, stats, "power");
        ext = get(port, "external");
        if (ext == NULL) {
            PyErr_Clear();
            ext = Py_NewRef(Py_False);
        }
        plain_idle = pm == Py_None && PyObject_IsTrue(ext) == 0;
        Py_DECREF(pm);
        Py_DECREF(ext);
        PyErr_Clear();
    }
    {
        PyObject *t;
        GET(t, k, "_tick_cost");
        tick_cost = PyObject_IsTrue(t);
        Py_DECREF(t);
        if (tick_cost < 0)
            goto error;
    }
    {
        PyObject *t;
        GET(t, k, "_timed_steps");
        timed = PyObject_IsTrue(t);
        Py_DECREF(t);
        if (timed < 0)
            goto error;
    }
    if (!PyList_CheckExact(heap) || !PyDict_CheckExact(buckets)
            || !PyList_CheckExact(levels) || !PyList_CheckExact(heads)
            || !PyList_CheckExact(listed) || !PyList_CheckExact(pending)
            || !PyList_CheckExact(foreign) || !PyList_CheckExact(stack)
            || !PyList_CheckExact(mwaits)) {
        PyErr_SetString(PyExc_TypeError, "muos._speedups: unexpected kernel");
        goto error;
    }
    traced = trace != Py_None;
    cost = PyObject_IsTrue(switch_cost);
    if (cost < 0)
        goto error;

    for (;;) {
        PyObject *now_o, *cur, *trap, *v, *o;
        long long now;
        int b;

        o = need(k, K_stop, "_stop");
        if (o == NULL || (b = PyObject_IsTrue(o)) < 0)
            goto error;
        if (b) {
            result = Py_NewRef(s_stopped);
            break;
        }
        now_o = need(k, K_now, "_now");
        if (now_o == NULL || as_ll(now_o, &now) < 0)
            goto error;
        if (has_until && now >= until_ns) {
            result = Py_NewRef(s_until);
            break;
        }
        Py_INCREF(now_o);      /* kept while Python code may replace it */
        /* 1. everything due at `now` happens, in scheduling order */
        if (fire_due(k, heap, buckets, mwaits, traced, now) < 0)
            goto error_now;
        /* 2. interrupt handlers come before any thread */
        if (PyList_GET_SIZE(pending) || PyList_GET_SIZE(foreign)
                || PyList_GET_SIZE(stack)) {
            if (PyList_GET_SIZE(pending) || PyList_GET_SIZE(foreign)) {
                PyObject *r = PyObject_CallMethodObjArgs(irqs, m_dispatch,
                                                         NULL);
                if (r == NULL)
                    goto error_now;
                b = PyObject_IsTrue(r);
                Py_DECREF(r);
                if (b < 0)
                    goto error_now;
                if (b) {
                    Py_DECREF(now_o);
                    continue;
                }
            }
            if (PyList_GET_SIZE(stack)) {
                CALL_DROP_NOW(PyObject_CallMethodObjArgs(irqs, m_run_top,
                                                  until_o, NULL));
                Py_DECREF(now_o);
                continue;
            }
        }
        /* 3. kernel work (switch, tick) that only interrupts preempt */
        o = need(k, K_overhead, "_overhead");
        if (o == NULL || (b = PyObject_IsTrue(o)) < 0)
            goto error_now;
        if (b) {
            CALL_DROP_NOW(PyObject_CallMethodObjArgs(k, m_spend_overhead,
                                              now_o, until_o, NULL));
            Py_DECREF(now_o);
            continue;
        }
        /* 4. who runs */
        cur = need(k, K_current, "_current");
        if (cur == NULL)
            goto error_now;
        Py_INCREF(cur);
        if (cur != Py_None && PyList_GET_SIZE(levels)) {
            long lv = -PyLong_AsLong(PyList_GET_ITEM(levels, 0));
            long cp = PyLong_AsLong(SLOT(cur, T_priority));
            PyObject *h;
            if (PyErr_Occurred())
                goto error_cur;
            h = PyList_GET_ITEM(heads, lv);
            if (cur == idle || lv > cp
                    || (lv == cp && SLOT(h, H_rnext) != h)) {
                int general = 1;
                PyObject *r = NULL;
                if (cur == idle && !traced)
                    r = preempt_idle(k, idle, levels, heads, listed, irqs,
                                     &general);
                if (r == NULL && general)
                    r = PyObject_CallMethodObjArgs(k, m_preempt, cur,
                                            now_o, NULL);
                if (r == NULL)
                    goto error_cur;
                Py_SETREF(cur, r);
            }
        }
        if (cur == Py_None) {
            PyObject *h, *nxt, *prev;
            long lv;
            Py_DECREF(cur);
            for (;;) {
                lv = -PyLong_AsLong(PyList_GET_ITEM(levels, 0));
                if (lv == 1 && PyErr_Occurred())
                    goto error_now;
                h = PyList_GET_ITEM(heads, lv);
                cur = SLOT(h, H_rnext);
                if (cur != h)
                    break;
                {
                    PyObject *r = PyObject_CallOneArg(heappop_f, levels);
                    if (r == NULL)
                        goto error_now;
                    Py_DECREF(r);
                }
                Py_INCREF(Py_False);
                PyList_SetItem(listed, lv, Py_False);
            }
            Py_INCREF(cur);
            nxt = SLOT(cur, T_rnext);
            set_slot(h, H_rnext, nxt);
            set_prev(nxt, h);
            set_slot(cur, T_rnext, Py_None);
            set_slot(cur, T_state, RUNNING);
            set_slot(k, K_current, cur);
            prev = SLOT(k, K_last);
            Py_XINCREF(prev);
            if (traced) {
                PyObject *pn = Py_None, *r;
                if (prev != NULL && prev != Py_None)
                    pn = SLOT(prev, T_name);
                r = PyObject_CallMethodObjArgs(k, m_emit, s_switch, cur,
                                        Py_None, pn ? pn : Py_None, NULL);
                if (r == NULL) {
                    Py_XDECREF(prev);
                    goto error_cur;
                }
                Py_DECREF(r);
            }
            set_slot(k, K_slice_from, now_o);
            if (cur == idle) {
                PyObject *dead, *threads;
                long long d = 0;
                Py_ssize_t n = -1;
                dead = get(k, "_dead");
                threads = get(k, "_threads");
                if (dead != NULL && threads != NULL) {
                    n = PyObject_Length(threads);
                    if (as_ll(dead, &d) < 0)
                        n = -1;
                }
                Py_XDECREF(dead);
                Py_XDECREF(threads);
                if (n < 0) {
                    Py_XDECREF(prev);
                    goto error_cur;
                }
                if (d * 4 >= n && n > 0) {
                    PyObject *zero = PyLong_FromLong(0);
                    set_slot(cur, T_work, zero);
                    Py_DECREF(zero);
                }
            }
            if (cur != prev) {
                PyObject *sw, *one;
                set_slot(k, K_last, cur);
                one = PyLong_FromLong(1);
                sw = PyNumber_Add(SLOT(cur, T_switches), one);
                Py_DECREF(one);
                Py_XDECREF(prev);
                if (sw == NULL)
                    goto error_cur;
                set_slot(cur, T_switches, sw);
                Py_DECREF(sw);
                if (cost) {
                    PyObject *ov = PyNumber_Add(SLOT(k, K_overhead),
                                                switch_cost);
                    if (ov == NULL)
                        goto error_cur;
                    set_slot(k, K_overhead, ov);
                    Py_DECREF(ov);
                    Py_DECREF(cur);
                    Py_DECREF(now_o);
                    continue;          /* spent before it steps */
                }
            } else {
                Py_XDECREF(prev);
            }
        }
        /* 5. time passes while it computes (or idles), or it steps */
        o = need(cur, T_work, "_work");
        if (o == NULL || (b = PyObject_IsTrue(o)) < 0)
            goto error_cur;
        if (b) {
            int general = 1;
            PyObject *r = NULL;
            if (cur == idle) {
                if (plain_idle && !traced && PyLong_CheckExact(o)
                        && PyLong_AsLong(o) < 0)
                    r = idle_fast(k, idle, stats, has_until, until_ns, heap,
                                  buckets, port, &general);
            } else if (!tick_cost) {
                r = advance_fast(k, cur, has_until, until_ns, heap, buckets,
                                 heads, port, &general);
            }
            if (r == NULL && general)
                r = PyObject_CallMethodObjArgs(k, m_advance, cur, until_o,
                                               NULL);
            if (r == NULL)
                goto error_cur;
            if (r != STEP) {
                int idle_end = r == Py_False;
                Py_DECREF(r);
                Py_DECREF(cur);
                Py_DECREF(now_o);
                if (idle_end) {
                    result = Py_NewRef(s_idle);
                    break;
                }
                continue;
            }
            Py_DECREF(r);
            /* its work ended: it steps at this same instant */
            Py_SETREF(now_o, Py_NewRef(SLOT(k, K_now)));
            if (as_ll(now_o, &now) < 0)
                goto error_cur;
        }
        if (timed) {
            CALL_DROP_CUR(PyObject_CallMethodObjArgs(k, m_step, cur, NULL));
            Py_DECREF(cur);
            Py_DECREF(now_o);
            continue;
        }
        {
            PyObject *exc = SLOT(cur, T_wake_exc);
            PyObject *coro = SLOT(cur, T_coro);
            PySendResult sr;
            if (coro == NULL || coro == Py_None) {
                PyErr_Format(PyExc_RuntimeError,
                             "muos: thread %R has no coroutine to step", cur);
                goto error_cur;
            }
            Py_INCREF(coro);
            if (exc != NULL && exc != Py_None) {
                Py_INCREF(exc);
                set_slot(cur, T_wake_exc, Py_None);
                trap = PyObject_CallMethodObjArgs(coro, m_throw, exc, NULL);
                Py_DECREF(exc);
                sr = trap == NULL ? PYGEN_ERROR : PYGEN_NEXT;
            } else {
                v = SLOT(cur, T_wake_value);
                Py_XINCREF(v);
                set_slot(cur, T_wake_value, Py_None);
                sr = PyIter_Send(coro, v ? v : Py_None, &trap);
                Py_XDECREF(v);
            }
            Py_DECREF(coro);
            if (sr != PYGEN_NEXT) {
                PyObject *e, *r;
                if (sr == PYGEN_RETURN) {
                    e = PyObject_CallOneArg(PyExc_StopIteration, trap);
                    Py_DECREF(trap);
                    if (e == NULL)
                        goto error_cur;
                } else {
                    PyObject *tp, *tb;
                    PyErr_Fetch(&tp, &e, &tb);
                    PyErr_NormalizeException(&tp, &e, &tb);
                    if (tb != NULL && e != NULL)
                        PyException_SetTraceback(e, tb);
                    Py_XDECREF(tp);
                    Py_XDECREF(tb);
                    if (e == NULL)
                        goto error_cur;
                }
                r = PyObject_CallMethodObjArgs(k, m_ended, cur, e, NULL);
                Py_DECREF(e);
                if (r == NULL)
                    goto error_cur;
                Py_DECREF(r);
                Py_DECREF(cur);
                Py_DECREF(now_o);
                continue;
            }
        }
        /* the trap it awaited */
        if (Py_TYPE(trap) != TrapType) {       /* a TimedTrap, or not one */
            PyObject *r = PyObject_CallMethodObjArgs(k, m_trap_in, cur,
                                                     trap, NULL);
            Py_DECREF(trap);
            if (r == NULL)
                goto error_cur;
            Py_DECREF(r);
            Py_DECREF(cur);
            Py_DECREF(now_o);
            continue;
        }
        {
            long kind = PyLong_AsLong(SLOT(trap, P_kind));
            if (kind != WAIT_K) {
                PyObject *arg = SLOT(trap, P_arg);
                long long when = 0;
                int slow;
                if (kind == BUSY_K) {
                    set_slot(cur, T_work, arg);
                    goto next;
                }
                slow = kind != SLEEP_K || traced;
                if (!slow) {
                    if (as_ll(arg, &when) < 0)
                        goto error_trap;
                    b = PyObject_IsTrue(SLOT(cur, T_interrupted));
                    if (b < 0)
                        goto error_trap;
                    slow = when <= now || b;
                }
                if (slow) {
                    PyObject *r = PyObject_CallMethodObjArgs(k, m_trap_in,
                                                      cur, trap, NULL);
                    if (r == NULL)
                        goto error_trap;
                    Py_DECREF(r);
                    goto next;
                }
                /* the common sleep, inline (see _trap_in) */
                if (sleep_inline(k, cur, trap, arg, now_o, heap,
                                 buckets) < 0)
                    goto error_trap;
                goto next;
            }
        }
        /* the common wait, inline: try it; if it must block, queue it */
        if (wait_inline(k, cur, trap, now_o, traced) < 0)
            goto error_trap;
    next:
        Py_DECREF(trap);
        Py_DECREF(cur);
        Py_DECREF(now_o);
        continue;
    error_trap:
        Py_DECREF(trap);
    error_cur:
        Py_DECREF(cur);
    error_now:
        Py_DECREF(now_o);
        goto error;
    }
    goto done;
error:
    result = NULL;
done:
    Py_XDECREF(tq); Py_XDECREF(heap); Py_XDECREF(buckets); Py_XDECREF(rl);
    Py_XDECREF(levels); Py_XDECREF(heads); Py_XDECREF(listed);
    Py_XDECREF(irqs); Py_XDECREF(pending); Py_XDECREF(foreign);
    Py_XDECREF(stack); Py_XDECREF(idle); Py_XDECREF(switch_cost);
    Py_XDECREF(trace); Py_XDECREF(mwaits); Py_XDECREF(port);
    Py_XDECREF(stats);
    return result;
}

/* TrapBase: the base of traps.Trap here, which makes a trap its own
   awaitable iterator: awaiting it yields the trap to the kernel once,
   then returns the value the kernel sends. kernel.py's pure-Python Trap
   does the same with a generator (__iter__), which costs a generator
   object (about 200 bytes while the thread waits) and its creation per
   await. One await at a time: a trap awaited while being awaited raises
   RuntimeError, as a coroutine does. */

static PyObject *
tb_await(PyObject *self)
{
    if (((TrapBaseObject *)self)->awaited) {
        PyErr_Format(PyExc_RuntimeError, "%R is being awaited already",
                     self);
        return NULL;
    }
    return Py_NewRef(self);
}

static PySendResult
tb_send(PyObject *self, PyObject *arg, PyObject **result)
{
    TrapBaseObject *t = (TrapBaseObject *)self;
    if (!t->awaited) {
        t->awaited = 1;
        *result = Py_NewRef(self);
        return PYGEN_NEXT;
    }
    t->awaited = 0;
    *result = Py_NewRef(arg);
    return PYGEN_RETURN;
}

/* the await's end through the iterator protocol: StopIteration(value)
   (made as an instance: PyErr_SetObject would spread a tuple value into
   the exception's arguments) */
static PyObject *
stop_with(PyObject *r)
{
    PyObject *e = PyObject_CallOneArg(PyExc_StopIteration, r);
    Py_DECREF(r);
    if (e != NULL) {
        PyErr_SetObject(PyExc_StopIteration, e);
        Py_DECREF(e);
    }
    return NULL;
}

static PyObject *
tb_iternext(PyObject *self)
{
    PyObject *r;
    if (tb_send(self, Py_None, &r) == PYGEN_NEXT)
        return r;
    return stop_with(r);
}

static PyObject *
tb_send_method(PyObject *self, PyObject *arg)
{
    PyObject *r;
    if (tb_send(self, arg, &r) == PYGEN_NEXT)
        return r;
    return stop_with(r);
}

/* throw(exc) / throw(type, value, tb): the await ends with it */
static PyObject *
tb_throw(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *typ, *val = NULL, *tb = NULL;
    ((TrapBaseObject *)self)->awaited = 0;
    if (nargs < 1 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "throw(exc) or throw(type, "
                        "value, traceback)");
        return NULL;
    }
    typ = args[0];
    if (nargs > 1 && args[1] != Py_None)
        val = args[1];
    if (nargs > 2 && args[2] != Py_None)
        tb = args[2];
    if (PyExceptionInstance_Check(typ)) {
        if (tb != NULL)
            PyException_SetTraceback(typ, tb);
        PyErr_SetObject((PyObject *)Py_TYPE(typ), typ);
    } else if (PyExceptionClass_Check(typ)) {
        PyErr_SetObject(typ, val);
    } else {
        PyErr_SetString(PyExc_TypeError, "exceptions must derive from "
                        "BaseException");
    }
    return NULL;
}

static PyObject *
tb_close(PyObject *self, PyObject *unused)
{
    ((TrapBaseObject *)self)->awaited = 0;
    Py_RETURN_NONE;
}

static PyMemberDef tb_members[] = {
    {"seq", T_LONGLONG, offsetof(TrapBaseObject, seq), 0,
     "arrival order in the wait queue"},
    {"index", T_INT, offsetof(TrapBaseObject, index), 0,
     "position among wait_any's operations"},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef tb_methods[] = {
    {"send", tb_send_method, METH_O, "Resume the await with a value."},
    {"throw", (PyCFunction)(void (*)(void))tb_throw, METH_FASTCALL,
     "End the await with an exception."},
    {"close", tb_close, METH_NOARGS, "Forget an unfinished await."},
    {NULL, NULL, 0, NULL},
};

static PyAsyncMethods tb_async = {
    .am_await = tb_await,
    .am_send = tb_send,
};

static PyTypeObject TrapBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "muos._speedups.TrapBase",
    .tp_basicsize = sizeof(TrapBaseObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A trap that is its own awaitable iterator (see traps.py).",
    .tp_as_async = &tb_async,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = tb_iternext,
    .tp_methods = tb_methods,
    .tp_members = tb_members,
    .tp_new = PyType_GenericNew,
};

/* new_trap(cls): an empty trap of class cls (a subclass of TrapBase),
   its slots unset, as object.__new__ gives but without the argument tuple
   and checks of a __new__ call */
static PyObject *
new_trap(PyObject *mod, PyObject *cls)
{
    PyTypeObject *tp = (PyTypeObject *)cls;
    if (!PyType_Check(cls) || !PyType_IsSubtype(tp, &TrapBaseType)) {
        PyErr_Format(PyExc_TypeError, "new_trap: %R is not a trap class",
                     cls);
        return NULL;
    }
    return tp->tp_alloc(tp, 0);
}

/* muos.sleep_for(ticks), calls.py's, for its common case: a thread
   (no handler, no scheduler lock, no interrupt mask) sleeping a whole
   number of ticks. Anything else goes to the Python function, which
   raises the errors. */
static PyObject *kernel_globals;   /* kernel.py's globals: _running */
static PyObject *py_sleep_for;     /* calls.sleep_for */
static PyObject *sleep_kind;       /* the int SLEEP */

/* a new Trap with its four fields set (as the Python calls build theirs
   with new_trap and four stores) */
static PyObject *
make_trap(PyObject *kind, PyObject *obj, PyObject *arg, PyObject *q)
{
    PyObject *t = TrapType->tp_alloc(TrapType, 0);
    if (t == NULL)
        return NULL;
    set_slot(t, P_kind, kind);
    set_slot(t, P_obj, obj);
    set_slot(t, P_arg, arg);
    set_slot(t, P_q, q);
    return t;
}

/* the running kernel when its current thread may block here (kernel.py's
   can_block test), borrowed; NULL otherwise (or on an error, set) */
static PyObject *
blocking_kernel(void)
{
    PyObject *k, *irqs, *cur;
    if (kernel_globals == NULL)
        return NULL;
    k = PyDict_GetItemWithError(kernel_globals, s_running);
    if (k == NULL || k == Py_None)
        return NULL;
    cur = SLOT(k, K_current);
    irqs = SLOT(k, K_irqs);
    if (cur == NULL || cur == Py_None || irqs == NULL
            || !is_zero(SLOT(k, K_isr)) || !is_zero(SLOT(k, K_lock)))
        return NULL;
    return unmasked(irqs) == 1 ? k : NULL;
}

static PyObject *
sleep_for(PyObject *mod, PyObject *ticks)
{
    PyObject *k, *t, *arg;
    long long n, hz, now;
    if (!ready || !PyLong_CheckExact(ticks))
        goto general;
    k = blocking_kernel();
    if (k == NULL) {
        if (PyErr_Occurred())
            return NULL;
        goto general;
    }
    if (as_ll(ticks, &n) < 0) {
        PyErr_Clear();
        goto general;
    }
    if (n < 0 || n > 9000000000LL
            || as_ll(SLOT(k, K_tick_hz), &hz) < 0 || hz <= 0
            || as_ll(SLOT(k, K_now), &now) < 0) {
        PyErr_Clear();
        goto general;
    }
    n = n * 1000000000LL / hz;            /* Python's // for n >= 0 */
    if (now > LLONG_MAX - n)
        goto general;
    arg = PyLong_FromLongLong(now + n);
    if (arg == NULL)
        return NULL;
    t = make_trap(sleep_kind, Py_None, arg, Py_None);
    Py_DECREF(arg);
    return t;
general:
    return PyObject_CallOneArg(py_sleep_for, ticks);
}

static PyObject *
setup_calls(PyObject *mod, PyObject *args)
{
    PyObject *globals, *fn;
    if (!PyArg_ParseTuple(args, "O!O", &PyDict_Type, &globals, &fn))
        return NULL;
    if (!ready || TrapType == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "setup_calls before setup");
        return NULL;
    }
    Py_INCREF(globals);
    Py_XSETREF(kernel_globals, globals);
    Py_INCREF(fn);
    Py_XSETREF(py_sleep_for, fn);
    Py_XSETREF(sleep_kind, PyLong_FromLong(SLEEP_K));
    if (sleep_kind == NULL)
        return NULL;
    Py_RETURN_NONE;
}

/* Semaphore.wait() and Semaphore.post(), semaphore.py's, for their
   common cases: a thread that may block builds its trap; a post with a
   waiter hands it the unit (through the kernel's wake). Everything else
   goes to the Python methods. */
static PyObject *py_sem_wait, *py_sem_post, *wait_kind;

static PyObject *
sem_wait(PyObject *self, PyObject *unused)
{
    PyObject *k, *q, *t;
    k = blocking_kernel();
    if (k == NULL) {
        if (PyErr_Occurred())
            return NULL;
        return PyObject_CallOneArg(py_sem_wait, self);
    }
    q = PyObject_GetAttr(self, s_q);
    if (q == NULL)
        return NULL;
    t = make_trap(wait_kind, self, Py_None, q);
    Py_DECREF(q);
    return t;
}

static PyObject *
sem_post(PyObject *self, PyObject *unused)
{
    PyObject *q, *items, *trap, *t, *k, *r;
    q = PyObject_GetAttr(self, s_q);
    if (q == NULL)
        return NULL;
    items = Py_TYPE(q) == WaitQueueType ? SLOT(q, Q_items) : NULL;
    Py_DECREF(q);            /* the semaphore keeps it */
    if (items == NULL || !PyList_CheckExact(items)
            || PyList_GET_SIZE(items) == 0)
        return PyObject_CallOneArg(py_sem_post, self);
    trap = Py_NewRef(PyList_GET_ITEM(items, 0));
    if (PyList_SetSlice(items, 0, 1, NULL) < 0) {
        Py_DECREF(trap);
        return NULL;
    }
    /* a Trap or a TimedTrap (a subclass: the same slot offsets) */
    t = PyObject_TypeCheck(trap, TrapType) ? SLOT(trap, P_thread) : NULL;
    k = t != NULL && Py_TYPE(t) == ThreadType ? SLOT(t, T_kernel) : NULL;
    if (k == NULL) {
        Py_DECREF(trap);
        PyErr_SetString(PyExc_RuntimeError,
                        "muos: a semaphore waiter without a thread");
        return NULL;
    }
    r = PyObject_CallMethodObjArgs(k, s_wake, trap, Py_True, NULL);
    Py_DECREF(trap);
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_TRUE;
}

static PyMethodDef sem_wait_def = {
    "wait", sem_wait, METH_NOARGS,
    "Take one unit, waiting for it. Thread context; may block. (The "
    "common case in C; semaphore.py's Semaphore.wait does the rest.)"};
static PyMethodDef sem_post_def = {
    "post", sem_post, METH_NOARGS,
    "Release one unit: to the most urgent waiter if any, else to the "
    "count. False (no change) at max. ISR-safe. (The common case in C; "
    "semaphore.py's Semaphore.post does the rest.)"};

/* semaphore_methods(Semaphore, its Python wait, post): the C methods,
   as method descriptors of that class */
static PyObject *
semaphore_methods(PyObject *mod, PyObject *args)
{
    PyObject *cls, *w, *p, *dw, *dp, *out;
    if (!PyArg_ParseTuple(args, "O!OO", &PyType_Type, &cls, &w, &p))
        return NULL;
    if (!ready || kernel_globals == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "semaphore_methods before "
                        "setup and setup_calls");
        return NULL;
    }
    Py_INCREF(w);
    Py_XSETREF(py_sem_wait, w);
    Py_INCREF(p);
    Py_XSETREF(py_sem_post, p);
    Py_XSETREF(wait_kind, PyLong_FromLong(WAIT_K));
    if (wait_kind == NULL)
        return NULL;
    dw = PyDescr_NewMethod((PyTypeObject *)cls, &sem_wait_def);
    dp = PyDescr_NewMethod((PyTypeObject *)cls, &sem_post_def);
    out = dw && dp ? PyTuple_Pack(2, dw, dp) : NULL;
    Py_XDECREF(dw);
    Py_XDECREF(dp);
    return out;
}

static PyMethodDef sleep_for_def = {
    "sleep_for", sleep_for, METH_O,
    "Sleep for ``ticks`` (uOS++ ``sleep_for``). Thread context; may block. "
    "(The common case in C; calls.py's sleep_for does the rest.)"};

static PyMethodDef wake_def = {
    "wake", (PyCFunction)(void (*)(void))wake, METH_FASTCALL,
    "Complete trap's wait with value (or raise exc in the waiter). "
    "ISR-safe. (C fast path of kernel.py's Kernel.wake.)"};

static PyObject *
wake_method(PyObject *mod, PyObject *cls)
{
    if (!PyType_Check(cls)) {
        PyErr_SetString(PyExc_TypeError, "wake_method(a class)");
        return NULL;
    }
    return PyDescr_NewMethod((PyTypeObject *)cls, &wake_def);
}

static PyMethodDef methods[] = {
    {"setup", setup, METH_VARARGS,
     "setup(Kernel, Thread, Trap, _Head, WaitQueue, BLOCK, STEP, RUNNING, "
     "SUSPENDED, WAIT, SLEEP, BUSY): learn the slot offsets"},
    {"loop", (PyCFunction)(void (*)(void))loop, METH_FASTCALL,
     "loop(kernel, until_ns): Kernel._loop in C"},
    {"setup_calls", setup_calls, METH_VARARGS,
     "setup_calls(kernel globals, calls.sleep_for): enable sleep_for"},
    {"semaphore_methods", semaphore_methods, METH_VARARGS,
     "semaphore_methods(Semaphore, wait, post): C wait and post"},
    {"new_trap", new_trap, METH_O,
     "new_trap(cls): an empty trap of class cls (its slots unset)"},
    {"wake_method", wake_method, METH_O,
     "wake_method(Kernel class): Kernel.wake's fast path in C, as a "
     "method descriptor of that class"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "muos._speedups",
    "The kernel's run loop in C (optional; kernel.py's _loop is the "
    "reference).", -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    s_stopped = PyUnicode_InternFromString("stopped");
    s_until = PyUnicode_InternFromString("until");
    s_idle = PyUnicode_InternFromString("idle");
    s_sleep = PyUnicode_InternFromString("sleep");
    s_switch = PyUnicode_InternFromString("switch");
    s_try = PyUnicode_InternFromString("_try");
    s_unblock = PyUnicode_InternFromString("_unblock");
    s_top_level = PyUnicode_InternFromString("top_level");
    s_stats = PyUnicode_InternFromString("stats");
    m_fire = PyUnicode_InternFromString("fire");
    if (m_fire == NULL)
        return NULL;
    m_timeout = PyUnicode_InternFromString("_timeout");
    if (m_timeout == NULL)
        return NULL;
    m_dispatch = PyUnicode_InternFromString("dispatch");
    if (m_dispatch == NULL)
        return NULL;
    m_run_top = PyUnicode_InternFromString("run_top");
    if (m_run_top == NULL)
        return NULL;
    m_spend_overhead = PyUnicode_InternFromString("_spend_overhead");
    if (m_spend_overhead == NULL)
        return NULL;
    m_preempt = PyUnicode_InternFromString("_preempt");
    if (m_preempt == NULL)
        return NULL;
    m_emit = PyUnicode_InternFromString("_emit");
    if (m_emit == NULL)
        return NULL;
    m_advance = PyUnicode_InternFromString("_advance");
    if (m_advance == NULL)
        return NULL;
    m_step = PyUnicode_InternFromString("_step");
    if (m_step == NULL)
        return NULL;
    m_throw = PyUnicode_InternFromString("throw");
    if (m_throw == NULL)
        return NULL;
    m_ended = PyUnicode_InternFromString("_ended");
    if (m_ended == NULL)
        return NULL;
    m_trap_in = PyUnicode_InternFromString("_trap_in");
    if (m_trap_in == NULL)
        return NULL;
    m_suspend = PyUnicode_InternFromString("_suspend");
    if (m_suspend == NULL)
        return NULL;
    m_push = PyUnicode_InternFromString("push");
    if (m_push == NULL)
        return NULL;
    zero_int = PyLong_FromLong(0);
    if (zero_int == NULL)
        return NULL;
    s_idle_ns = PyUnicode_InternFromString("idle_ns");
    s_mask = PyUnicode_InternFromString("mask");
    s_now = PyUnicode_InternFromString("_now");
    s_running = PyUnicode_InternFromString("_running");
    s_q = PyUnicode_InternFromString("_q");
    s_wake = PyUnicode_InternFromString("wake");
    if (s_running == NULL || s_q == NULL || s_wake == NULL)
        return NULL;
    s_advance = PyUnicode_InternFromString("advance");
    if (!s_try || !s_unblock || !s_top_level || !s_stats || !s_idle_ns
            || !s_mask || !s_now || !s_advance)
        return NULL;
    if (!s_stopped || !s_until || !s_idle || !s_sleep || !s_switch)
        return NULL;
    {
        PyObject *m;
        if (PyType_Ready(&TrapBaseType) < 0)
            return NULL;
        m = PyModule_Create(&module);
        if (m == NULL)
            return NULL;
        if (PyModule_AddObject(m, "sleep_for",
                               PyCFunction_New(&sleep_for_def, NULL)) < 0) {
            Py_DECREF(m);
            return NULL;
        }
        Py_INCREF(&TrapBaseType);
        if (PyModule_AddObject(m, "TrapBase",
                               (PyObject *)&TrapBaseType) < 0) {
            Py_DECREF(&TrapBaseType);
            Py_DECREF(m);
            return NULL;
        }
        return m;
    }
}
