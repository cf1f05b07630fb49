"""dojo's JSON-RPC protocol over a WebSocket, to a ``dojo serve --listen``
server: NetClient and connect().

Standard library only: the WebSocket client side of RFC 6455 (opening
handshake with its Sec-WebSocket-Accept check, masked client frames, text
messages, fragmented messages on receive, ping and pong, the closing
handshake), over TCP (``ws://``) or TLS (``wss://``, with the ssl module).
One JSON-RPC request per text message, one response per text message, as
the server's /rpc route speaks them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import time
import urllib.parse
from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import BaseClient, DojoError, ServerExited

__all__ = ["NetClient", "connect", "ConnectError", "ConnectionClosed", "CapacityReached"]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# Close codes (RFC 6455 section 7.4.1) in words.
CLOSE_CODES = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1005: "no status",
    1006: "abnormal closure",
    1007: "invalid payload",
    1008: "policy violation",
    1009: "message too big",
    1010: "missing extension",
    1011: "internal error",
    1012: "service restart",
    1013: "try again later",
}


class ConnectError(DojoError):
    """The client could not open a session with the server: the connection
    was refused or failed, or the server refused the WebSocket handshake
    (``status`` is its HTTP status, such as 401 for a missing or wrong
    token; None when no HTTP answer came)."""

    def __init__(self, message: str, status: Optional[int] = None, kind: str = "unavailable") -> None:
        super().__init__(None, message, {"kind": kind})
        self.status = status


class ConnectionClosed(ServerExited):
    """The WebSocket closed: ``close_code`` (1001 when the server shuts
    down, 1009 for a message over its size limit, 1013 at its session
    limit; 1006 when the connection dropped without a close frame) and
    ``close_reason``, the server's words."""

    def __init__(self, message: str, close_code: int = 1006, close_reason: str = "") -> None:
        super().__init__(message)
        self.close_code = close_code
        self.close_reason = close_reason


class CapacityReached(ConnectError):
    """The server holds its maximum of sessions (``dojo serve
    --max-sessions``) and refused this one (CAPACITY_REACHED): retry later."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=None, kind="limit")
        self.code = -32007


def _mask(payload: bytes, key: bytes) -> bytes:
    """payload XOR the 4-byte key repeated (RFC 6455 section 5.3), as one
    big-integer XOR: much faster in Python than a loop over the bytes."""
    n = len(payload)
    if n == 0:
        return b""
    k = key * ((n >> 2) + 1)
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k[:n], "big")).to_bytes(n, "big")


def redact_url(url: str) -> str:
    """url with the token of a /t/TOKEN/ path prefix replaced by REDACTED,
    for messages and logs."""
    u = urllib.parse.urlsplit(url)
    parts = u.path.split("/")
    if len(parts) >= 3 and parts[1] == "t" and parts[2]:
        parts[2] = "REDACTED"
        u = u._replace(path="/".join(parts))
    if u.password:
        u = u._replace(netloc=u.netloc.replace(":" + u.password + "@", ":REDACTED@"))
    return urllib.parse.urlunsplit(u)


class _Reader:
    """A socket's received bytes, buffered. With spin (seconds, plain TCP
    without a timeout only) a read first polls the socket for that long
    before it sleeps in recv: a lockstep step answers in tens of
    microseconds, and polling saves the operating system's wake-up
    latency."""

    def __init__(self, sock: socket.socket, spin: float) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0
        self.spin = spin

    def _fill(self) -> bool:
        """Receives more bytes; False at the end of the stream."""
        sock = self.sock
        chunk = None
        if self.spin:
            end = time.perf_counter() + self.spin
            while True:
                try:
                    chunk = sock.recv(1 << 16, socket.MSG_DONTWAIT)
                    break
                except BlockingIOError:
                    if time.perf_counter() >= end:
                        break
        if chunk is None:
            chunk = sock.recv(1 << 16)
        if not chunk:
            return False
        if self.pos:
            if self.pos == len(self.buf):
                self.buf.clear()
            else:
                del self.buf[:self.pos]
            self.pos = 0
        self.buf += chunk
        return True

    def read(self, n: int) -> bytes:
        """n bytes (fewer only at the end of the stream)."""
        while len(self.buf) - self.pos < n:
            if not self._fill():
                n = len(self.buf) - self.pos
                break
        p = self.pos
        self.pos = p + n
        return bytes(self.buf[p:p + n])

    def readline(self, limit: int) -> bytes:
        """A line with its newline (at most limit bytes; b"" at the end)."""
        while True:
            i = self.buf.find(b"\n", self.pos, self.pos + limit)
            if i >= 0:
                return self.read(i + 1 - self.pos)
            if len(self.buf) - self.pos >= limit or not self._fill():
                return self.read(min(limit, len(self.buf) - self.pos))

    def close(self) -> None:
        self.buf = bytearray()
        self.pos = 0


class NetClient(BaseClient):
    """A session with a ``dojo serve --listen`` server: dojo's JSON-RPC
    protocol over a WebSocket to its /rpc route, with the same methods as the
    subprocess Client (see BaseClient), so Env, VectorEnv, generate, verify
    and reward_fn work over it unchanged.

    ``url``: ``ws://HOST:PORT`` or ``wss://HOST:PORT`` (``http://`` and
    ``https://`` are taken as ``ws://`` and ``wss://``); a path that does not
    end in /rpc gets /rpc appended, so ``ws://HOST:PORT``,
    ``ws://HOST:PORT/t/TOKEN`` and ``ws://HOST:PORT/rpc`` all reach /rpc.

    ``token``: sent as ``Authorization: Bearer TOKEN``; default $DOJO_TOKEN,
    unless the URL carries the token as its /t/TOKEN/ prefix. Tokens never
    appear in the client's error messages.

    ``timeout``: seconds a call may wait for the server (None: no limit; the
    server's --step-timeout bounds steps); ``connect_timeout`` bounds the
    connection and the handshake. ``ssl_context`` for wss:// (default: the
    system's trusted certificates). ``max_message_bytes`` bounds a message
    received. ``headers``: more HTTP headers for the handshake (a dict).
    ``spin_us``: as for Client, a call may poll the socket for up to this
    many microseconds before it sleeps until the response comes (plain
    ws:// without a timeout only). The default, 0, always sleeps: polling
    pays only when client and server have idle cores of their own (on a
    busy 2-core machine it slowed loopback steps down).

    Errors: ConnectError (refused or failed connections, a refused
    handshake: 401 names the token), CapacityReached (the server's session
    limit), ConnectionClosed (the socket closed: the server shutting down
    (1001), a message over its size limit (1009), the session idle too long),
    and DojoError for JSON-RPC errors, as with Client.
    """

    def __init__(self, url: str, token: Optional[str] = None, timeout: Optional[float] = None,
                 connect_timeout: float = 10.0, ssl_context: Optional[ssl.SSLContext] = None,
                 max_message_bytes: int = 64 << 20, headers: Optional[Mapping[str, str]] = None,
                 initialize: bool = True, trace: Optional[List[bytes]] = None, spin_us: float = 0) -> None:
        super().__init__(trace=trace)
        self.url = url
        self._shown = redact_url(url)
        self._max = max_message_bytes
        self._sock: Any = None  # a socket.socket or ssl.SSLSocket while the session lasts
        self._rfile: Any = None  # its _Reader
        self._last_sent = 0
        self._keys, self._key_pos = b"", 0  # masking keys, drawn from os.urandom in batches
        self._spin = max(0.0, spin_us / 1e6) if timeout is None else 0.0
        u = urllib.parse.urlsplit(url)
        scheme = {"ws": "ws", "http": "ws", "wss": "wss", "https": "wss"}.get(u.scheme.lower())
        if scheme is None:
            raise ValueError("url %r: want ws://HOST:PORT or wss://HOST:PORT (or http://, https://)" % self._shown)
        if not u.hostname:
            raise ValueError("url %r has no host" % self._shown)
        self.host = u.hostname
        try:
            self.port = u.port or (443 if scheme == "wss" else 80)
        except ValueError as e:
            raise ValueError("url %r: %s" % (self._shown, e)) from None
        path = u.path or "/"
        if not path.endswith("/rpc"):
            path = path.rstrip("/") + "/rpc"
        parts = path.split("/")
        self._path_token = len(parts) >= 4 and parts[1] == "t" and parts[2] != ""
        if token is None and not self._path_token:
            token = os.environ.get("DOJO_TOKEN") or None
        self._token_how = ("in the URL's /t/TOKEN/ prefix" if self._path_token
                           else "as an Authorization: Bearer header" if token else None)
        self._resource = path + ("?" + u.query if u.query else "")
        self._shown = redact_url(urllib.parse.urlunsplit((scheme, u.netloc, path, u.query, "")))
        self._connect(scheme, token, connect_timeout, ssl_context, headers or {})
        self._sock.settimeout(timeout)
        if not isinstance(self._sock, ssl.SSLSocket) and hasattr(socket, "MSG_DONTWAIT"):
            self._rfile.spin = self._spin
        if initialize:
            try:
                self._initialize()
            except DojoError as e:
                if e.code == -32007 and "CAPACITY_REACHED" in (e.message or ""):
                    self._abort()
                    raise CapacityReached("the dojo server at %s is at its session limit and refused this session: %s"
                                          % (self._shown, e.message)) from None
                raise

    # ---- the opening handshake

    def _connect(self, scheme: str, token: Optional[str], timeout: float, ssl_context: Optional[ssl.SSLContext],
                 headers: Mapping[str, str]) -> None:
        where = "%s (%s:%d)" % (self._shown, self.host, self.port)
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except ConnectionRefusedError:
            raise ConnectError("cannot connect to the dojo server at %s: connection refused: is `dojo serve --listen "
                               "%s:%d` running there?" % (where, self.host, self.port)) from None
        except socket.timeout:
            raise ConnectError("cannot connect to the dojo server at %s: no answer within %gs" % (where, timeout)) from None
        except OSError as e:
            raise ConnectError("cannot connect to the dojo server at %s: %s" % (where, e.strerror or e)) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "wss":
                ctx = ssl_context or ssl.create_default_context()
                try:
                    sock = ctx.wrap_socket(sock, server_hostname=self.host)
                except (ssl.SSLError, ssl.CertificateError) as e:
                    raise ConnectError("TLS with the dojo server at %s failed: %s" % (where, e)) from None
            self._sock = sock
            self._rfile = _Reader(sock, 0.0)
            self._handshake(token, headers)
        except BaseException:
            self._abort()
            raise

    def _handshake(self, token: Optional[str], headers: Mapping[str, str]) -> None:
        key = base64.b64encode(os.urandom(16))
        default_port = 443 if isinstance(self._sock, ssl.SSLSocket) else 80
        host = self.host if ":" not in self.host else "[%s]" % self.host
        if self.port != default_port:
            host = "%s:%d" % (host, self.port)
        lines = ["GET %s HTTP/1.1" % self._resource, "Host: " + host, "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: " + key.decode(), "Sec-WebSocket-Version: 13", "User-Agent: dojo_client.py"]
        if token:
            lines.append("Authorization: Bearer " + token)
        for k, v in headers.items():
            lines.append("%s: %s" % (k, v))
        try:
            self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            status_line = self._rfile.readline(8192)
            if not status_line:
                raise ConnectError("the dojo server at %s closed the connection during the WebSocket handshake "
                                   "(is it a dojo server, and did you mean %s?)"
                                   % (self._shown, "wss://" if not isinstance(self._sock, ssl.SSLSocket) else "ws://"))
            hdrs: Dict[str, str] = {}
            for _ in range(200):
                line = self._rfile.readline(8192)
                if line in (b"\r\n", b"\n", b""):
                    break
                k, _, v = line.decode("latin-1").partition(":")
                hdrs[k.strip().lower()] = v.strip()
            else:
                raise ConnectError("the handshake answer of %s has too many headers" % self._shown)
        except socket.timeout:
            raise ConnectError("the dojo server at %s did not answer the WebSocket handshake in time" % self._shown) from None
        except OSError as e:
            raise ConnectError("the WebSocket handshake with %s failed: %s" % (self._shown, e)) from None
        parts = status_line.decode("latin-1").split(None, 2)
        try:
            status = int(parts[1])
        except (IndexError, ValueError):
            raise ConnectError("%s answered the WebSocket handshake with %r, not HTTP"
                               % (self._shown, status_line[:80])) from None
        if status != 101:
            raise self._refused(status, parts[2].strip() if len(parts) > 2 else "", hdrs)
        if hdrs.get("upgrade", "").lower() != "websocket" or "upgrade" not in hdrs.get("connection", "").lower():
            raise ConnectError("%s answered 101 without upgrading to a WebSocket" % self._shown)
        want = base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode()
        if hdrs.get("sec-websocket-accept") != want:
            raise ConnectError("%s answered the WebSocket handshake with a wrong Sec-WebSocket-Accept" % self._shown)

    def _refused(self, status: int, reason: str, hdrs: Mapping[str, str]) -> ConnectError:
        """The error for a handshake answered with an HTTP error status."""
        msg = ""
        try:
            n = min(int(hdrs.get("content-length", "0")), 1 << 16)
            body = self._rfile.read(n) if n > 0 else b""
            e = json.loads(body).get("error") or {}
            msg = e.get("message", "") if isinstance(e, dict) else str(e)
        except (ValueError, OSError, AttributeError):
            pass
        what = "%d %s" % (status, reason) + (": " + msg if msg else "")
        if status == 401:
            if self._token_how is None:
                hint = "no token was given: pass token=... (or set DOJO_TOKEN), or put it in the URL as /t/TOKEN/"
            else:
                hint = "the token sent %s is not the server's (dojo serve --token / DOJO_TOKEN)" % self._token_how
            return ConnectError("the dojo server at %s refused the session: %s; %s" % (self._shown, what, hint),
                                status=status, kind="unauthorized")
        if status == 403:
            return ConnectError("the dojo server at %s refused the session: %s" % (self._shown, what),
                                status=status, kind="forbidden")
        if status == 404:
            return ConnectError("the dojo server at %s has no such route: %s (dojo's WebSocket route is /rpc)"
                                % (self._shown, what), status=status, kind="not_found")
        if status == 503:
            return ConnectError("the dojo server at %s is unavailable: %s" % (self._shown, what), status=status)
        return ConnectError("the dojo server at %s refused the WebSocket handshake: %s" % (self._shown, what),
                            status=status, kind="invalid_request")

    # ---- frames

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0xFE, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0xFF, n)
        keys = self._keys
        if self._key_pos >= len(keys):
            keys = self._keys = os.urandom(4096)  # 1024 masks per system call
            self._key_pos = 0
        key = keys[self._key_pos:self._key_pos + 4]
        self._key_pos += 4
        self._sock.sendall(head + key + _mask(payload, key))

    def _send_msgs(self, msgs: Sequence[bytes]) -> None:
        if self._sock is None:
            raise self._gone("the session is closed")
        try:
            for m in msgs:
                self._last_sent = len(m)
                self._send_frame(0x1, m)
        except socket.timeout:
            raise self._lost("sending a request timed out") from None
        except OSError as e:
            raise self._send_failed(e) from None

    def _send_failed(self, err: OSError) -> ConnectionClosed:
        """The error for a failed send: the server's close frame, when one
        came before the connection broke (it says why), else the send's
        error."""
        try:
            self._sock.settimeout(0.5)
            self._read_message()
        except ConnectionClosed as closed:
            if closed.close_code != 1006:
                return closed
        except Exception:
            pass
        return self._lost("sending a request failed: %s" % err)

    def _recv_msg(self) -> bytes:
        if self._sock is None:
            raise self._gone("the session is closed")
        try:
            return self._read_message()
        except socket.timeout:
            raise self._lost("no response within the client's timeout") from None
        except OSError as e:
            raise self._lost("reading a response failed: %s" % e) from None

    def _read_exact(self, n: int) -> bytes:
        b: bytes = self._rfile.read(n)
        if len(b) != n:
            raise self._lost("the server closed the connection without a close frame")
        return b

    def _read_message(self) -> bytes:
        """Reads the next text message (bytes), answering pings and
        reassembling fragments; a close frame raises ConnectionClosed."""
        # The common case first: one whole unfragmented text frame in the
        # buffer, taken without the general path's calls.
        rd = self._rfile
        if len(rd.buf) - rd.pos < 2 and not rd._fill():
            raise self._lost("the server closed the connection without a close frame")
        buf, pos = rd.buf, rd.pos
        if buf[pos] == 0x81:
            n, head = buf[pos + 1], 2
            if n == 126 and len(buf) - pos >= 4:
                n, head = (buf[pos + 2] << 8) | buf[pos + 3], 4
            if n < 126 or head == 4:
                if n <= self._max and len(buf) - pos >= head + n:
                    rd.pos = pos + head + n
                    return bytes(buf[pos + head:pos + head + n])
        parts: List[bytes] = []
        size, opcode_first = 0, None
        read = self._read_exact
        while True:
            b0, b1 = read(2)
            if b0 & 0x70:
                raise self._protocol_error("a frame with reserved bits set (no extension was negotiated)")
            if b1 & 0x80:
                raise self._protocol_error("a masked frame from the server")
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", read(8))[0]
            fin, op = b0 & 0x80, b0 & 0x0F
            if op >= 0x8:  # control frame
                if n > 125 or not fin:
                    raise self._protocol_error("a control frame longer than 125 bytes or fragmented")
                payload = read(n) if n else b""
                if op == 0x9:  # ping
                    self._send_frame(0xA, payload)
                elif op == 0x8:  # close
                    raise self._closed_by_server(payload)
                elif op != 0xA:
                    raise self._protocol_error("a frame of unknown opcode %d" % op)
                continue
            if op == 0x0:
                if opcode_first is None:
                    raise self._protocol_error("a continuation frame with no message to continue")
            elif op in (0x1, 0x2):
                if opcode_first is not None:
                    raise self._protocol_error("a new message before the last one's final fragment")
                opcode_first = op
            else:
                raise self._protocol_error("a frame of unknown opcode %d" % op)
            size += n
            if size > self._max:
                self._close_with(1009, "message too big")
                raise self._gone("the server sent a message over the client's limit of %d bytes (max_message_bytes)"
                                 % self._max)
            parts.append(read(n) if n else b"")
            if fin:
                if opcode_first != 0x1:
                    raise self._protocol_error("a binary message (dojo answers in text messages)")
                return parts[0] if len(parts) == 1 else b"".join(parts)

    # ---- the end of the session

    def _gone(self, what: str) -> ConnectionClosed:
        self._abort()
        return ConnectionClosed("the session with the dojo server at %s ended: %s" % (self._shown, what))

    def _lost(self, what: str) -> ConnectionClosed:
        self._abort()
        return ConnectionClosed("the connection to the dojo server at %s was lost: %s" % (self._shown, what))

    def _protocol_error(self, what: str) -> ConnectionClosed:
        self._close_with(1002, "protocol error")
        return ConnectionClosed("the dojo server at %s broke the WebSocket protocol: %s" % (self._shown, what), 1002)

    def _closed_by_server(self, payload: bytes) -> ConnectionClosed:
        code, reason = 1005, ""
        if len(payload) >= 2:
            code = struct.unpack("!H", payload[:2])[0]
            reason = payload[2:].decode("utf-8", "replace")
        self._close_with(code if code != 1005 else 1000, "")  # echo the close, then drop the connection
        words = CLOSE_CODES.get(code, "code %d" % code)
        said = "%s (%d)%s" % (words, code, ": " + reason if reason else "")
        if code == 1001:
            msg = "the dojo server at %s is shutting down and closed the session: %s" % (self._shown, said)
        elif code == 1009:
            msg = ("the dojo server at %s closed the session: %s: the last request was %d bytes, over the server's "
                   "limit (dojo serve --max-message-bytes)" % (self._shown, said, self._last_sent))
        elif code == 1013:
            msg = "the dojo server at %s is at its session limit: %s: retry later" % (self._shown, said)
        else:
            msg = "the dojo server at %s closed the session: %s" % (self._shown, said)
        return ConnectionClosed(msg, code, reason)

    def _close_with(self, code: int, reason: str) -> None:
        """Sends a close frame (best effort) and drops the connection."""
        if self._sock is not None:
            try:
                self._sock.settimeout(1)
                self._send_frame(0x8, struct.pack("!H", code) + reason.encode()[:120])
            except OSError:
                pass
        self._abort()

    def _abort(self) -> None:
        self._closed = True
        sock, rfile = self._sock, self._rfile
        self._sock = self._rfile = None
        for f in (rfile, sock):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass

    def close(self, timeout: float = 2) -> None:
        """Ends the session with the closing handshake (the server closes
        the session's envs); waits up to timeout seconds for the server's
        close frame."""
        if self._sock is None:
            self._closed = True
            return
        with self._lock:
            if self._sock is None:
                return
            try:
                self._sock.settimeout(timeout)
                self._send_frame(0x8, struct.pack("!H", 1000))
                for _ in range(1000):  # read until the server's close frame
                    b0, b1 = self._read_exact(2)
                    n = b1 & 0x7F
                    if n == 126:
                        n = struct.unpack("!H", self._read_exact(2))[0]
                    elif n == 127:
                        n = struct.unpack("!Q", self._read_exact(8))[0]
                    if n:
                        self._read_exact(n)
                    if b0 & 0x0F == 0x8:
                        break
            except (OSError, DojoError):
                pass
            self._abort()

    def __del__(self) -> None:
        try:
            self._abort()
        except Exception:
            pass

    def __repr__(self) -> str:
        return "<dojo NetClient %s%s>" % (self._shown, " closed" if self._closed else "")


def connect(url: str, token: Optional[str] = None, **kwargs: Any) -> NetClient:
    """Opens a session with a ``dojo serve --listen`` server; returns a
    NetClient (see it for the URL forms, the token and the other
    arguments)::

        client = dojo_client.connect("ws://127.0.0.1:8000", token="T")
        with client.make("gridworld/FrozenLake-v1") as env:
            obs, info = env.reset(seed=0)
    """
    return NetClient(url, token=token, **kwargs)
