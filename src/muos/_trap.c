/* muos._trap: the trap, muos's one awaitable, in C (CPython, optional).

   The only hand-written C in muos. traps.py chooses this class at import
   when it is built (and MUOS_PURE is not set) and defines the same class
   in Python otherwise, as MicroPython's _asyncio and CPython's
   _asyncio.Task stand in for their Python modules. Why C: a Python (or
   Cython) class cannot fill the am_send slot, so awaiting it makes a
   generator per await (about 200 bytes for as long as the thread waits,
   and its creation on every switch); this type is its own awaitable
   iterator. Awaiting a trap yields it to the kernel once, then returns
   the value the kernel sends. One await at a time: a trap awaited while
   being awaited raises RuntimeError, as a coroutine does. Its fields are
   those of traps.py's Trap; the compiled kernel reads them directly
   (_trap.h, _trap.pxd). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include "_trap.h"

static PyTypeObject TrapType;

static int
trap_traverse(TrapObject *t, visitproc visit, void *arg)
{
    Py_VISIT(t->obj);
    Py_VISIT(t->arg);
    Py_VISIT(t->q);
    Py_VISIT(t->thread);
    return 0;
}

/* the object fields are never NULL (compiled code reads them as objects):
   None when unset, and again None when the collector breaks a cycle */
static int
trap_clear(TrapObject *t)
{
    Py_XSETREF(t->obj, Py_NewRef(Py_None));
    Py_XSETREF(t->arg, Py_NewRef(Py_None));
    Py_XSETREF(t->q, Py_NewRef(Py_None));
    Py_XSETREF(t->thread, Py_NewRef(Py_None));
    return 0;
}

/* a new trap of type tp, every field unset */
static PyObject *
trap_alloc(PyTypeObject *tp)
{
    TrapObject *t = (TrapObject *)tp->tp_alloc(tp, 0);
    if (t == NULL)
        return NULL;
    t->obj = Py_NewRef(Py_None);
    t->arg = Py_NewRef(Py_None);
    t->q = Py_NewRef(Py_None);
    t->thread = Py_NewRef(Py_None);
    return (PyObject *)t;
}

/* (a Python subclass's instance, a TimedTrap, comes here through
   subtype_dealloc, which releases its type itself) */
static void
trap_dealloc(TrapObject *t)
{
    PyObject_GC_UnTrack(t);
    /* a trap may hold the last reference to another (a long chain of
       them): the trashcan keeps the deallocation's recursion bounded */
    Py_TRASHCAN_BEGIN(t, trap_dealloc)
    Py_XDECREF(t->obj);
    Py_XDECREF(t->arg);
    Py_XDECREF(t->q);
    Py_XDECREF(t->thread);
    Py_TYPE(t)->tp_free((PyObject *)t);
    Py_TRASHCAN_END
}

/* Trap(kind, obj=None, arg=None, q=None): the fields are set here */
static int
trap_set(TrapObject *t, PyObject *const *args, Py_ssize_t n)
{
    long kind;
    if (n < 1 || n > 4) {
        PyErr_Format(PyExc_TypeError, "Trap(kind, obj=None, arg=None, "
                     "q=None) takes 1 to 4 arguments, not %zd", n);
        return -1;
    }
    kind = PyLong_AsLong(args[0]);
    if (kind == -1 && PyErr_Occurred())
        return -1;
    t->kind = (int)kind;
    Py_XSETREF(t->obj, Py_NewRef(n > 1 ? args[1] : Py_None));
    Py_XSETREF(t->arg, Py_NewRef(n > 2 ? args[2] : Py_None));
    Py_XSETREF(t->q, Py_NewRef(n > 3 ? args[3] : Py_None));
    return 0;
}

static PyObject *
trap_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    return trap_alloc(tp);
}

static int
trap_init(PyObject *self, PyObject *args, PyObject *kw)
{
    if (kw != NULL && PyDict_GET_SIZE(kw)) {
        PyErr_SetString(PyExc_TypeError, "Trap() takes no keywords");
        return -1;
    }
    return trap_set((TrapObject *)self, &PyTuple_GET_ITEM(args, 0),
                    PyTuple_GET_SIZE(args));
}

/* Trap(...) without the argument tuple of a type call */
static PyObject *
trap_vectorcall(PyObject *type, PyObject *const *args, size_t nargsf,
                PyObject *kwnames)
{
    PyTypeObject *tp = (PyTypeObject *)type;
    PyObject *t;
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames)) {
        PyErr_SetString(PyExc_TypeError, "Trap() takes no keywords");
        return NULL;
    }
    t = trap_alloc(tp);
    if (t == NULL)
        return NULL;
    if (trap_set((TrapObject *)t, args, PyVectorcall_NARGS(nargsf)) < 0) {
        Py_DECREF(t);
        return NULL;
    }
    return t;
}

/* -- the await -- */

static PyObject *
trap_await(PyObject *self)
{
    if (((TrapObject *)self)->awaited) {
        PyErr_Format(PyExc_RuntimeError, "%R is being awaited already",
                     self);
        return NULL;
    }
    return Py_NewRef(self);
}

static PySendResult
trap_send(PyObject *self, PyObject *arg, PyObject **result)
{
    TrapObject *t = (TrapObject *)self;
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
trap_iternext(PyObject *self)
{
    PyObject *r;
    if (trap_send(self, Py_None, &r) == PYGEN_NEXT)
        return r;
    return stop_with(r);
}

static PyObject *
trap_send_method(PyObject *self, PyObject *arg)
{
    PyObject *r;
    if (trap_send(self, arg, &r) == PYGEN_NEXT)
        return r;
    return stop_with(r);
}

/* throw(exc) / throw(type, value, tb): the await ends with it */
static PyObject *
trap_throw(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *typ, *val = NULL, *tb = NULL;
    ((TrapObject *)self)->awaited = 0;
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
trap_close(PyObject *self, PyObject *unused)
{
    ((TrapObject *)self)->awaited = 0;
    Py_RETURN_NONE;
}

static PyObject *
trap_repr(PyObject *self)
{
    TrapObject *t = (TrapObject *)self;
    return PyUnicode_FromFormat("<Trap %d %R>", t->kind,
                                t->obj ? t->obj : Py_None);
}

/* timeout and fail: a plain trap has none (traps.TimedTrap's slots) */
static PyObject *
trap_none(PyObject *self, void *closure)
{
    Py_RETURN_NONE;
}

/* the object fields: read and written as attributes, never deleted (the
   compiled kernel reads them as objects, so they are never NULL) */
static PyObject *
field_get(PyObject *self, void *offset)
{
    return Py_NewRef(*(PyObject **)((char *)self + (Py_ssize_t)offset));
}

static int
field_set(PyObject *self, PyObject *value, void *offset)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError,
                        "a trap's fields cannot be deleted");
        return -1;
    }
    Py_XSETREF(*(PyObject **)((char *)self + (Py_ssize_t)offset),
               Py_NewRef(value));
    return 0;
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
    {"kind", T_INT, offsetof(TrapObject, kind), 0, "the trap kind"},
    {"seq", T_LONGLONG, offsetof(TrapObject, seq), 0,
     "arrival order in the wait queue"},
    {"index", T_INT, offsetof(TrapObject, index), 0,
     "position among wait_any's operations"},
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
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE
        | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "One pending kernel operation of one thread (traps.py).",
    .tp_dealloc = (destructor)trap_dealloc,
    .tp_traverse = (traverseproc)trap_traverse,
    .tp_clear = (inquiry)trap_clear,
    .tp_repr = trap_repr,
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

/* new_trap(cls): an empty trap of class cls, its fields unset, for the
   callers that set them one by one (traps.new_trap) */
static PyObject *
new_trap(PyObject *mod, PyObject *cls)
{
    PyTypeObject *tp = (PyTypeObject *)cls;
    if (!PyType_Check(cls) || !PyType_IsSubtype(tp, &TrapType)) {
        PyErr_Format(PyExc_TypeError, "new_trap: %R is not a trap class",
                     cls);
        return NULL;
    }
    return trap_alloc(tp);
}

static PyMethodDef methods[] = {
    {"new_trap", new_trap, METH_O,
     "new_trap(cls): an empty trap of class cls (its fields unset)"},
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
    if (PyType_Ready(&TrapType) < 0)
        return NULL;
    m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&TrapType);
    if (PyModule_AddObject(m, "Trap", (PyObject *)&TrapType) < 0) {
        Py_DECREF(&TrapType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
