# Types for Cython (kernelapi.py is the source; see setup.py): the
# kernel's cold part is an extension type, the base of KernelBase.

cdef class KernelApi:
    pass
