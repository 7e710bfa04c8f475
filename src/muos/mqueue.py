"""Message queues with message priorities (µOS++ ``message_queue``,
POSIX ``mq_send``/``mq_receive``).

Owns: ``MessageQueue``. Built only on the wait queue and traps. Messages
are kept in a heap by (higher priority first, then arrival). The waker
completes the operation: ``send`` hands a message straight to a waiting
receiver; ``receive`` makes room by taking the most urgent blocked
sender's message into the queue and completing that sender.
"""

from heapq import heappop, heappush

from .compat import computed, computed_attrs
from .errors import Empty, Full
from .diag import check_name, describe
from .running import wait_trap
from .traps import BLOCK
from .waitq import WaitQueue

__all__ = ["MessageQueue"]


class MessageQueue:
    """A bounded queue of messages, most urgent message first."""

    def __init__(self, capacity, *, name=None):
        label = "MessageQueue %r" % name if name is not None else \
            "MessageQueue"
        if type(capacity) is not int:
            raise TypeError("%s: capacity must be an int, not %r"
                            % (label, capacity))
        if capacity < 1:
            raise ValueError("%s: capacity must be at least 1, not %r"
                             % (label, capacity))
        self.name = check_name(name, "MessageQueue")
        self._capacity = capacity
        self._heap = []              # [(-priority, seq, msg)]
        self._seq = 0
        self._receivers = WaitQueue(self)
        self._senders = WaitQueue(self)

    def __repr__(self):
        return "<%s %d/%d>" % (describe(self), len(self._heap),
                               self._capacity)

    def __len__(self):
        return len(self._heap)

    @computed
    def capacity(self):
        return self._capacity

    def _push(self, msg, priority):
        self._seq += 1
        heappush(self._heap, (-priority, self._seq, msg))

    # -- the one internal path per operation ------------------------------
    def _try(self, trap):
        if trap.q is self._receivers:
            return self._try_receive()
        msg, priority = trap.arg
        return self._try_send(msg, priority)

    def _try_send(self, msg, priority):
        r = self._receivers
        if r.wake_one(msg) is not None:
            return None
        if len(self._heap) < self._capacity:
            self._push(msg, priority)
            return None
        return BLOCK

    def _try_receive(self):
        if not self._heap:
            return BLOCK
        msg = heappop(self._heap)[2]
        s = self._senders
        if s.items:
            m, p = s.head().arg
            self._push(m, p)
            s.wake_one(None)
        return msg

    def _check_priority(self, priority, what):
        if type(priority) is not int:
            raise TypeError("%s: message priority must be an int, not %r"
                            % (what, priority))
        if not 0 <= priority <= 255:
            raise ValueError("%s: message priority must be within 0..255, "
                             "not %r" % (what, priority))

    # -- public API ----------------------------------------------------------
    def send(self, msg, priority=0):
        """Send, waiting while the queue is full. Thread context; may
        block."""
        if type(priority) is not int or not 0 <= priority <= 255:
            self._check_priority(priority, "%s.send" % describe(self))
        return wait_trap(self, "send", self._senders, (msg, priority))

    def try_send(self, msg, priority=0):
        """Send now or raise ``muos.Full``. ISR-safe."""
        what = "%s.try_send" % describe(self)
        self._check_priority(priority, what)
        if self._try_send(msg, priority) is BLOCK:
            raise Full("%s is full (%d messages)" % (describe(self),
                                                     self._capacity))

    def timed_send(self, msg, ticks, priority=0):
        """Like ``send``; raises ``muos.Full`` after ``ticks``. Thread
        context; may block."""
        self._check_priority(priority, "%s.timed_send" % describe(self))
        return wait_trap(self, "timed_send", self._senders, (msg, priority),
                         ticks, Full)

    def receive(self):
        """The most urgent message, waiting for one. Thread context; may
        block."""
        return wait_trap(self, "receive", self._receivers)

    def try_receive(self):
        """The most urgent message now, or raise ``muos.Empty``.
        ISR-safe."""
        msg = self._try_receive()
        if msg is BLOCK:
            raise Empty("%s is empty" % describe(self))
        return msg

    def timed_receive(self, ticks):
        """Like ``receive``; raises ``muos.Empty`` after ``ticks``. Thread
        context; may block."""
        return wait_trap(self, "timed_receive", self._receivers, None,
                         ticks, Empty)


computed_attrs(MessageQueue)
