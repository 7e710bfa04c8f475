/* muos._trap: the trap, muos's one awaitable, in C (CPython, optional),
   the only hand-written C in muos; traps.py defines the same class in
   Python and chooses this one when built (not under MUOS_PURE=1). A Python
   or Cython class cannot fill am_send, so awaiting it makes a generator
   per await (200 bytes while a thread waits); this type is its own
   awaitable iterator: awaiting yields it to the kernel once, then returns
   what the kernel sends; a second await in flight raises RuntimeError, as
   for a coroutine. Compiled modules read its fields (_trap.h, .pxd). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include "_trap.h"

static PyTypeObject TrapType;

/* traps.py's report of a trap never awaited (set_never_awaited), called
   when such a trap is freed: a RuntimeWarning naming the call, as Python
   does for a coroutine never awaited */
static PyObject *never_awaited = NULL;

/* the object fields, obj to thread, are consecutive in TrapObject; they
   are never NULL (compiled code reads them as objects): None when unset,
   and None again when the collector breaks a cycle */
#define NFIELDS 4
#define FIELDS(t) (&((TrapObject *)(t))->obj)

static int
trap_traverse(TrapObject *t, visitproc visit, void *arg)
{
    for (int i = 0; i < NFIELDS; i++)
        Py_VISIT(FIELDS(t)[i]);
    return 0;
}

static int
trap_clear(TrapObject *t)
{
    for (int i = 0; i < NFIELDS; i++)
        Py_XSETREF(FIELDS(t)[i], Py_NewRef(Py_None));
    return 0;
}

static PyObject *
trap_alloc(PyTypeObject *tp)        /* a new trap, every field unset */
{
    TrapObject *t = (TrapObject *)tp->tp_alloc(tp, 0);
    if (t != NULL)
        for (int i = 0; i < NFIELDS; i++)
            FIELDS(t)[i] = Py_NewRef(Py_None);
    return (PyObject *)t;
}

/* (a TimedTrap, a Python subclass, comes here through subtype_dealloc,
   which releases its type itself; the trashcan bounds the recursion of
   freeing a long chain of traps) */
static void
trap_finalize(PyObject *self)
{
    TrapObject *t = (TrapObject *)self;
    if (t->used || never_awaited == NULL)
        return;
    t->used = 1;                       /* once */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *r = PyObject_CallOneArg(never_awaited, self);
    if (r == NULL)
        PyErr_WriteUnraisable(never_awaited);   /* -W error, say */
    Py_XDECREF(r);
    PyErr_Restore(type, value, tb);
}

static void
trap_dealloc(TrapObject *t)
{
    /* the one test the switch path pays: awaited traps skip the call */
    if (!t->used && never_awaited != NULL
            && PyObject_CallFinalizerFromDealloc((PyObject *)t) < 0)
        return;                        /* resurrected */
    PyObject_GC_UnTrack(t);
    Py_TRASHCAN_BEGIN(t, trap_dealloc)
    for (int i = 0; i < NFIELDS; i++)
        Py_XDECREF(FIELDS(t)[i]);
    Py_TYPE(t)->tp_free((PyObject *)t);
    Py_TRASHCAN_END
}

/* Trap(kind, obj=None, arg=None, q=None): the fields are set here */
static int
trap_set(TrapObject *t, PyObject *const *args, Py_ssize_t n)
{
    if (n < 1 || n > 4) {
        PyErr_Format(PyExc_TypeError, "Trap(kind, obj=None, arg=None, "
                     "q=None) takes 1 to 4 arguments, not %zd", n);
        return -1;
    }
    long kind = PyLong_AsLong(args[0]);
    if (kind == -1 && PyErr_Occurred())
        return -1;
    if (kind < 0 || kind > 32767) {
        PyErr_Format(PyExc_ValueError, "Trap: kind %ld out of range", kind);
        return -1;
    }
    t->kind = (short)kind;
    for (int i = 1; i < 4; i++)       /* obj, arg, q */
        Py_XSETREF(FIELDS(t)[i - 1], Py_NewRef(n > i ? args[i] : Py_None));
    return 0;
}

static PyObject *
trap_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{ return trap_alloc(tp); }

static int
no_keywords(int given)          /* TypeError if any keyword was given */
{
    if (given) PyErr_SetString(PyExc_TypeError, "Trap() takes no keywords");
    return given;
}

static int
trap_init(PyObject *self, PyObject *args, PyObject *kw)
{
    if (no_keywords(kw != NULL && PyDict_GET_SIZE(kw)))
        return -1;
    return trap_set((TrapObject *)self, &PyTuple_GET_ITEM(args, 0),
                    PyTuple_GET_SIZE(args));
}

/* Trap(...) without the argument tuple of a type call */
static PyObject *
trap_vectorcall(PyObject *type, PyObject *const *args, size_t nargsf,
                PyObject *kwnames)
{
    PyObject *t;
    if (no_keywords(kwnames != NULL && PyTuple_GET_SIZE(kwnames)))
        return NULL;
    t = trap_alloc((PyTypeObject *)type);
    if (t != NULL && trap_set((TrapObject *)t, args,
                              PyVectorcall_NARGS(nargsf)) < 0)
        Py_CLEAR(t);
    return t;
}

static PyObject *
trap_await(PyObject *self)
{
    if (((TrapObject *)self)->awaited)
        return PyErr_Format(PyExc_RuntimeError,
                            "%R is being awaited already", self);
    return Py_NewRef(self);
}

static PySendResult
trap_send(PyObject *self, PyObject *arg, PyObject **result)
{
    TrapObject *t = (TrapObject *)self;
    t->used = 1;
    t->awaited = !t->awaited;   /* yield the trap once, then return arg */
    *result = Py_NewRef(t->awaited ? self : arg);
    return t->awaited ? PYGEN_NEXT : PYGEN_RETURN;
}

/* the await's end through the iterator protocol: StopIteration(value),
   an instance (PyErr_SetObject would spread a tuple into its args) */
static PyObject *
stop_with(PyObject *r)
{
    PyObject *e = PyObject_CallOneArg(PyExc_StopIteration, r);
    Py_DECREF(r);
    if (e != NULL)
        PyErr_SetObject(PyExc_StopIteration, e);
    Py_XDECREF(e);
    return NULL;
}

static PyObject *
trap_send_method(PyObject *self, PyObject *arg)
{
    PyObject *r;
    return trap_send(self, arg, &r) == PYGEN_NEXT ? r : stop_with(r);
}

static PyObject *
trap_iternext(PyObject *self) { return trap_send_method(self, Py_None); }

/* throw(exc) / throw(type, value, tb): the await ends with it */
static PyObject *
trap_throw(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ((TrapObject *)self)->awaited = 0;
    if (nargs < 1 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError,
                        "throw(exc) or throw(type, value, traceback)");
        return NULL;
    }
    PyObject *typ = args[0];
    PyObject *val = nargs > 1 && args[1] != Py_None ? args[1] : NULL;
    PyObject *tb = nargs > 2 && args[2] != Py_None ? args[2] : NULL;
    if (PyExceptionInstance_Check(typ)) {
        if (tb != NULL)
            PyException_SetTraceback(typ, tb);
        PyErr_SetObject((PyObject *)Py_TYPE(typ), typ);
    } else if (PyExceptionClass_Check(typ))
        PyErr_SetObject(typ, val);
    else
        PyErr_SetString(PyExc_TypeError,
                        "exceptions must derive from BaseException");
    return NULL;
}

static PyObject *      /* (a trap closed unawaited is not reported) */
trap_close(PyObject *self, PyObject *unused)
{
    ((TrapObject *)self)->awaited = 0;
    ((TrapObject *)self)->used = 1;
    Py_RETURN_NONE;
}

static PyObject *
trap_repr(TrapObject *t)
{ return PyUnicode_FromFormat("<Trap %d %R>", t->kind, t->obj); }

static PyObject *      /* timeout, fail: none but a TimedTrap's (traps.py) */
trap_none(PyObject *self, void *closure) { Py_RETURN_NONE; }

/* the object fields as attributes: never deleted (never NULL) */
#define FIELD_AT(self, off) (*(PyObject **)((char *)(self) + (Py_ssize_t)(off)))

static PyObject *
field_get(PyObject *self, void *off) { return Py_NewRef(FIELD_AT(self, off)); }

static int
field_set(PyObject *self, PyObject *value, void *offset)
{
    if (value == NULL)
        PyErr_SetString(PyExc_AttributeError, "a trap's fields cannot be "
                        "deleted");
    else
        Py_XSETREF(FIELD_AT(self, offset), Py_NewRef(value));
    return value == NULL ? -1 : 0;
}

#define FIELD(name, doc) {#name, field_get, field_set, doc, \
    (void *)offsetof(TrapObject, name)}

static PyGetSetDef trap_getset[] = {
    {"timeout", trap_none, NULL, "relative ns, or None (TimedTrap)", NULL},
    {"fail", trap_none, NULL, "value on timeout (TimedTrap)", NULL},
    FIELD(obj, "the sync object"),
    FIELD(arg, "the argument"),
    FIELD(q, "the wait queue"),
    FIELD(thread, "the thread that awaited it"),
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef trap_members[] = {
    {"kind", T_SHORT, offsetof(TrapObject, kind), 0, "the trap kind"},
    {"seq", T_LONGLONG, offsetof(TrapObject, seq), 0,
     "arrival order in the wait queue"},
    {"index", T_INT, offsetof(TrapObject, index), 0,
     "position among wait_any's operations"},
    {"used", T_BYTE, offsetof(TrapObject, used), 0,
     "1 once awaited, or consumed by the kernel (traps.consumed)"},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef trap_methods[] = {
    {"send", trap_send_method, METH_O, "Resume the await with a value."},
    {"throw", (PyCFunction)(void (*)(void))trap_throw, METH_FASTCALL,
     "End the await with an exception."},
    {"close", trap_close, METH_NOARGS, "Forget an unfinished await."},
    {NULL, NULL, 0, NULL},
};

static PyAsyncMethods trap_async = {
    .am_await = trap_await,
    .am_send = trap_send,
};

static PyTypeObject TrapType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "muos._trap.Trap",
    .tp_basicsize = sizeof(TrapObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "One pending kernel operation of one thread (traps.py).",
    .tp_dealloc = (destructor)trap_dealloc,
    .tp_finalize = trap_finalize,
    .tp_traverse = (traverseproc)trap_traverse,
    .tp_clear = (inquiry)trap_clear,
    .tp_repr = (reprfunc)trap_repr,
    .tp_as_async = &trap_async,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = trap_iternext,
    .tp_methods = trap_methods,
    .tp_members = trap_members,
    .tp_getset = trap_getset,
    .tp_new = trap_new,
    .tp_init = trap_init,
    .tp_vectorcall = trap_vectorcall,
};

/* new_trap(cls): an empty trap of class cls, for the callers that set
   its fields one by one (traps.new_trap) */
static PyObject *
new_trap(PyObject *mod, PyObject *cls)
{
    PyTypeObject *tp = (PyTypeObject *)cls;
    if (!PyType_Check(cls) || !PyType_IsSubtype(tp, &TrapType))
        return PyErr_Format(PyExc_TypeError,
                            "new_trap: %R is not a trap class", cls);
    return trap_alloc(tp);
}

static PyObject *
set_never_awaited(PyObject *mod, PyObject *fn)
{
    Py_XSETREF(never_awaited, fn == Py_None ? NULL : Py_NewRef(fn));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"new_trap", new_trap, METH_O,
     "new_trap(cls): an empty trap of class cls (its fields unset)"},
    {"set_never_awaited", set_never_awaited, METH_O,
     "set_never_awaited(fn): fn(trap) when a trap never awaited is freed"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "muos._trap",
    "The trap, muos's one awaitable, in C (traps.py chooses it).", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__trap(void)
{
    PyObject *m;
    if (PyType_Ready(&TrapType) < 0 || !(m = PyModule_Create(&module)))
        return NULL;
    if (PyModule_AddObjectRef(m, "Trap", (PyObject *)&TrapType) < 0)
        Py_CLEAR(m);
    return m;
}
