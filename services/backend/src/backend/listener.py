"""Close a listening socket without resetting the connections the kernel has queued.

Closing a listener resets every connection that finished its handshake but that the
server has not accepted yet: the client, which already sent its request, reads a
reset. On Linux a socket filter that accepts nothing (one classic BPF instruction,
``ret #0``; no privilege needed) makes the kernel drop new SYNs for the listener
while leaving its accept queue alone. The server accepts what is queued, then
closes. A client whose SYN was dropped retries after a second, finds the port
closed, and is refused: a failure a client or load balancer can retry safely,
because nothing was sent.
"""

from __future__ import annotations

import ctypes
import socket
import struct
import sys

# linux/asm-generic/socket.h; the socket module does not export it.
SO_ATTACH_FILTER = 26
# struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}: BPF_RET | BPF_K, k = 0 bytes.
_ACCEPT_NOTHING = struct.pack("HBBI", 0x06, 0, 0, 0)


def stop_new_connections(listener: socket.socket) -> bool:
    """Make LISTENER drop new connection attempts; False where that is not possible.

    Connections already queued stay queued, to be accepted as usual.
    """
    if not sys.platform.startswith("linux"):
        return False
    program = ctypes.create_string_buffer(_ACCEPT_NOTHING, len(_ACCEPT_NOTHING))
    # struct sock_fprog {unsigned short len; struct sock_filter *filter}, native layout.
    fprog = struct.pack("HP", 1, ctypes.addressof(program))
    try:
        # The kernel copies the program during the call, so the buffer may go after it.
        listener.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    except OSError:
        return False
    return True


# struct tcp_info: eight u8 fields, then u32 rto, ato, snd_mss, rcv_mss, unacked. For a
# listener the kernel reports its accept queue's length in tcpi_unacked.
_TCPI_UNACKED_OFFSET = 24


def queued_connections(listener: socket.socket) -> int | None:
    """How many connections LISTENER's accept queue holds; None where unknown."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        info = listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return None
    (queued,) = struct.unpack_from("I", info, _TCPI_UNACKED_OFFSET)
    return int(queued)
