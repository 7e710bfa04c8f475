"""Message queues with message priorities (µOS++ ``message_queue``,
POSIX ``mq_send``/``mq_receive``).

Owns: ``MessageQueue``. Built only on the wait queue and traps. Messages
are kept in a heap by (higher priority first, then arrival). The waker
completes the operation: ``send`` hands a message straight to a waiting
receiver; ``receive`` makes room by taking the most urgent blocked
sender's message into the queue and completing that sender.

Sending and receiving allocate nothing in steady state (issue 16 #4: a
board's threads and interrupts pass messages under ``heap_lock``): the
heap's entries are ``[-priority, seq, msg]`` lists, handed back when
taken and reused; a send's trap carries the message itself (or, for a
priority other than 0, a ``_Sent`` record, handed back to the queue
once the message is in); and the arrival numbers are dealt again from 1
before they outgrow a small int.
"""

from heapq import heappop, heappush

from .compat import computed, computed_attrs
from .moreerrors import Empty, Full
from .diag import check_name, describe
from .running import wait_trap
from .traps import BLOCK
from .waitq import WaitQueue

__all__ = ("MessageQueue",)

# arrival numbers are dealt again from 1 past this (a 31-bit small int
# on a 32-bit board: beyond, every message would allocate a long int)
_SEQ_LIMIT = 1 << 28


class _Sent:
    """A blocked or pending send's message with a priority other than 0
    (a message of priority 0 travels as itself)."""

    __slots__ = ("msg", "priority")

    def __init__(self, msg, priority):
        self.msg = msg
        self.priority = priority


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
        self._heap = []              # [-priority, seq, msg] entries
        self._spare = []             # entries taken out, to reuse
        self._sents = []             # _Sent records handed back
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
        seq = self._seq + 1
        if seq > _SEQ_LIMIT:
            seq = self._renumber() + 1
        self._seq = seq
        spare = self._spare
        if spare:
            e = spare.pop()
            e[0] = -priority
            e[1] = seq
            e[2] = msg
        else:
            e = [-priority, seq, msg]
        heappush(self._heap, e)

    def _pop(self):
        e = heappop(self._heap)
        msg = e[2]
        e[2] = None                  # (the queue keeps no message alive)
        self._spare.append(e)
        return msg

    def _renumber(self):
        """Deal the arrival numbers again from 1, in the same order (a
        sorted list is a heap); returns the last one dealt."""
        heap = self._heap
        heap.sort()
        for i in range(len(heap)):
            heap[i][1] = i + 1
        return len(heap)

    # -- the one internal path per operation ------------------------------
    def _try(self, trap):
        if trap.q is self._receivers:
            return self._try_receive()
        a = trap.arg
        if type(a) is _Sent:
            r = self._try_send(a.msg, a.priority)
            if r is not BLOCK:
                self._sent_back(a)
            return r
        return self._try_send(a, 0)

    def _sent(self, msg, priority):
        """A ``_Sent`` record for a send of ``priority`` (not 0)."""
        if self._sents:
            a = self._sents.pop()
            a.msg = msg
            a.priority = priority
            return a
        return _Sent(msg, priority)

    def _sent_back(self, a):
        """Its message is in: the record may serve another send."""
        a.msg = None
        self._sents.append(a)

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
        msg = self._pop()
        s = self._senders
        if s.items:
            a = s.head().arg
            if type(a) is _Sent:
                self._push(a.msg, a.priority)
                s.wake_one(None)
                self._sent_back(a)
            else:
                self._push(a, 0)
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
        return wait_trap(self, "send", self._senders,
                         msg if priority == 0 else self._sent(msg, priority))

    def try_send(self, msg, priority=0):
        """Send now or raise ``muos.Full``. ISR-safe."""
        if type(priority) is not int or not 0 <= priority <= 255:
            self._check_priority(priority, "%s.try_send" % describe(self))
        if self._try_send(msg, priority) is BLOCK:
            raise Full("%s is full (%d messages)" % (describe(self),
                                                     self._capacity))

    def timed_send(self, msg, ticks, priority=0):
        """Like ``send``; raises ``muos.Full`` after ``ticks``. Thread
        context; may block."""
        if type(priority) is not int or not 0 <= priority <= 255:
            self._check_priority(priority,
                                 "%s.timed_send" % describe(self))
        return wait_trap(self, "timed_send", self._senders,
                         msg if priority == 0 else self._sent(msg, priority),
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
