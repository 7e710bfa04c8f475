"""muos.asyncio's streams: TCP over the port's readiness interrupts.

Owns: ``Stream`` (``StreamReader`` and ``StreamWriter`` are the same
class, as in MicroPython), ``open_connection``, ``start_server``,
``Server``. A task that must wait for a socket suspends; the loop's one
"asyncio io" interrupt line, triggered by the port when a watched socket
is ready (``HostPort.irq_on_readable``/``irq_on_writable``), resumes it.
Needs a port with those (``HostPort``); elsewhere the calls raise
``NotImplementedError``.
"""

import muos
from ..morecalls import suspend
from ..thread import SUSPENDED

from .core import _loop_here, create_task

__all__ = ("Stream", "StreamReader", "StreamWriter", "open_connection",
           "start_server", "Server")

_AGAIN = (11, 35, 115, 36)   # EAGAIN, EWOULDBLOCK (BSD), EINPROGRESS
# (Linux, BSD): errno values; socket is imported by the calls that need
# it (a port may have none: importing the names must still work)


class _IO:
    """The readiness waits of one kernel: id(file) -> [reader, writer,
    file]; the port triggers ``irq`` when a watched file is ready, and
    its handler resumes the threads waiting on the files the port found
    ready (``port.take_ready()``)."""

    def __init__(self, k):
        port = k.port
        if not hasattr(port, "take_ready"):
            raise NotImplementedError(
                "muos.asyncio streams need a port that reports file "
                "readiness (HostPort, MachinePort), not %r" % (port,))
        self.port = port
        self.k = k
        self.waits = {}
        self.irq = k.interrupt("asyncio io", self._ready)

    async def wait(self, f, i):
        fd = id(f)
        e = self.waits.get(fd)
        if e is None:
            e = self.waits[fd] = [None, None, f]
        t = muos.this_thread()
        e[i] = t
        (self.port.irq_on_writable if i else self.port.irq_on_readable)(
            f, self.irq)
        try:
            await suspend()
        finally:
            if e[i] is t:            # not resumed by readiness: cancelled
                self._done(fd, e, i)

    def _done(self, fd, e, i):
        e[i] = None
        try:
            (self.port.remove_writable if i else self.port.remove_readable)(
                e[2])
        except (KeyError, ValueError, OSError):
            pass                     # closed meanwhile
        if e[0] is None and e[1] is None:
            del self.waits[fd]

    def closing(self, f):
        """``f`` is being closed: its waiters resume (and their read or
        write fails) rather than wait on a file that no longer exists."""
        e = self.waits.get(id(f))
        if e is not None:
            for i in (0, 1):
                t = e[i]
                if t is not None and id(f) in self.waits:
                    self._done(id(f), e, i)
                    if t.state == SUSPENDED:
                        t.resume()

    def _ready(self):
        """The interrupt handler: resume whoever's file the port found
        ready."""
        for f, i in self.port.take_ready():
            e = self.waits.get(id(f))
            if e is not None and e[i] is not None:
                t = e[i]
                self._done(id(f), e, i)
                if t.state == SUSPENDED:   # (a cancel withdrew it)
                    t.resume()


def _io():
    lp = _loop_here()
    io = getattr(lp, "_io", None)
    if io is None or io.k is not lp._kernel():
        io = lp._io = _IO(lp._kernel())
    return io


def _again(e):
    """The OSError of a non-blocking call that would block (MicroPython
    has no BlockingIOError: the errno tells)."""
    n = getattr(e, "errno", None)
    if n is None and e.args:
        n = e.args[0]
    return n in _AGAIN


class Stream:
    """A connected socket: read side (``read``, ``readinto``,
    ``readexactly``, ``readline``) and write side (``write``, ``drain``,
    ``close``, ``wait_closed``)."""

    def __init__(self, s, e=None):
        self.s = s
        self.e = {} if e is None else e
        self._in = b""
        self.out_buf = b""
        # MicroPython's streams (a socket, a UART) write(); CPython's
        # sockets send(): the one the stream has, found once
        self._send = getattr(s, "write", None) or s.send

    def get_extra_info(self, v):
        return self.e[v]

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.wait_closed()

    def close(self):
        pass

    async def wait_closed(self):
        io = getattr(_loop_here(), "_io", None)
        if io is not None:
            io.closing(self.s)
        self.s.close()

    async def _fill(self, n):
        """Read once into the buffer (waiting for data); False at EOF."""
        while True:
            try:
                data = self.s.recv(n)
            except OSError as e:
                if not _again(e):
                    raise
                await _io().wait(self.s, 0)
                continue
            if data is None:          # MicroPython: would block
                await _io().wait(self.s, 0)
                continue
            if not data:
                return False
            self._in += data
            return True

    async def read(self, n=-1):
        """Up to ``n`` bytes (b"" at EOF); ``n`` < 0: everything until
        EOF."""
        if n < 0:
            while await self._fill(4096):
                pass
            r, self._in = self._in, b""
            return r
        if not self._in:
            await self._fill(n if n > 0 else 1)
        r, self._in = self._in[:n], self._in[n:]
        return r

    async def readinto(self, buf):
        data = await self.read(len(buf))
        buf[:len(data)] = data
        return len(data)

    async def readexactly(self, n):
        while len(self._in) < n:
            if not await self._fill(n - len(self._in)):
                raise EOFError()
        r, self._in = self._in[:n], self._in[n:]
        return r

    async def readline(self):
        while True:
            i = self._in.find(b"\n")
            if i >= 0:
                r, self._in = self._in[:i + 1], self._in[i + 1:]
                return r
            if not await self._fill(4096):
                r, self._in = self._in, b""
                return r

    def write(self, buf):
        """Send what the socket takes now, buffer the rest for
        ``drain()`` (MicroPython's rule: a write is not lost without a
        drain)."""
        if not self.out_buf:
            try:
                n = self._send(buf)
            except OSError as e:
                if not _again(e):
                    raise
                n = None
            if n == len(buf):
                return            # all taken: nothing kept, nothing made
            if n:
                buf = buf[n:]
        # (bytes: a bytearray the caller reuses is copied; b"" + bytes
        # is the bytes itself, no copy, on MicroPython)
        self.out_buf += buf if type(buf) is bytes else bytes(buf)

    async def drain(self):
        while self.out_buf:
            try:
                n = self._send(self.out_buf)
            except OSError as e:
                if not _again(e):
                    raise
                n = None
            if n is None:
                await _io().wait(self.s, 1)
                continue
            self.out_buf = self.out_buf[n:]


StreamReader = Stream
StreamWriter = Stream


async def open_connection(host, port):
    """Connect by TCP; ``(reader, writer)`` (one Stream)."""
    import socket
    io = _io()                       # (a port without readiness: refused)
    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(ai[0], ai[1], ai[2])
    s.setblocking(False)
    try:
        s.connect(ai[-1])
    except OSError as e:
        if not _again(e):
            s.close()
            raise
    await io.wait(s, 1)              # writable: connected, or failed
    # (MicroPython's sockets have no getsockopt: a failed connect shows
    # at the first read or write there, as with its own asyncio)
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) if hasattr(
        s, "getsockopt") and hasattr(socket, "SO_ERROR") else 0
    if err:
        s.close()
        raise OSError(err, "open_connection: cannot connect to %s:%s"
                      % (host, port))
    ss = Stream(s)
    return ss, ss


class Server:
    """What ``start_server`` returns: ``close()``, ``wait_closed()``,
    ``async with``."""

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()
        await self.wait_closed()

    def close(self):
        self.task.cancel()

    async def wait_closed(self):
        from .core import CancelledError
        try:
            await self.task
        except CancelledError:
            pass

    async def _serve(self, s, cb, priority):
        from .core import CancelledError
        try:
            while True:
                try:
                    s2, addr = s.accept()
                except OSError as e:
                    if not _again(e):
                        raise
                    await _io().wait(s, 0)
                    continue
                s2.setblocking(False)
                s2s = Stream(s2, {"peername": addr})
                create_task(cb(s2s, s2s), priority=priority)
        except CancelledError:
            pass
        finally:
            s.close()


async def start_server(cb, host, port, backlog=5, *, priority=None):
    """Listen on ``host:port``; each connection runs ``cb(reader,
    writer)`` as a task (at ``priority``)."""
    import socket
    _io()                            # (a port without readiness: refused)
    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(ai[0], ai[1], ai[2])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ai[-1])
    s.listen(backlog)
    s.setblocking(False)
    srv = Server()
    srv.sockets = [s]
    srv.task = create_task(srv._serve(s, cb, priority), name="server")
    return srv
