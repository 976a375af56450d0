#!/usr/bin/python3
"""An upstream that misbehaves on purpose, for latchkey's end-to-end tests.

    misbehaving_upstream.py --port-file F [--blackhole-port-file B]

Listens on 127.0.0.1 on a free port and writes the number to F (atomically). For each
request it reads the head (bodies are not read) and, by path:

    /raw/NAME      writes the canned bytes RESPONSES[NAME] verbatim and closes
    /stall         never answers (holds the connection until the peer closes it)
    /stall-body    sends a head with Content-Length: 100 and 10 body bytes, then stalls
    /endless-trailers  a chunked answer whose trailer section never ends: 48 MB of trailer
                   lines (or until the peer closes), then closes
    /connections   answers 200 with the number of connections accepted so far
    /connections/close  the same with Connection: close, then holds the connection open

With --blackhole-port-file, a second port is opened whose accept queue is kept full, so that
new connections to it are never accepted (their SYNs are dropped): a connect there hangs
until the connecting side gives up. Standard library only; stops on SIGTERM or SIGINT.
"""

import argparse
import os
import signal
import socket
import sys
import tempfile
import threading

RESPONSES = {
    "ok": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "cl_te": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"0\r\n\r\n",
    "te_cl": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
             b"0\r\n\r\n",
    "duplicate_cl": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "plus_cl": b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello",
    "te_gzip": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhello",
    "te_twice": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
                b"\r\n0\r\n\r\n",
    "bad_chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    "obs_fold": b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nhi",
    "bare_lf": b"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi",
    "bare_cr": b"HTTP/1.1 200 OK\r\nX-A: a\rX-B: b\r\nContent-Length: 2\r\n\r\nhi",
    "nul_in_value": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nhi",
    "bad_status_line": b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nhi",
    "status_999": b"HTTP/1.1 999 Odd\r\nContent-Length: 2\r\n\r\nhi",
    "no_status_line": b"hello, this is not HTTP\r\n\r\n",
    "http2_version": b"HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
    "switching_protocols": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           b"Connection: Upgrade\r\n\r\n",
    # Well-formed, for the trailers of an empty body (never to become head fields).
    "empty_chunked_trailers": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              b"0\r\nX-Trailer-Leak: yes\r\nKeep-Alive: timeout=1\r\n\r\n",
    # A trailer field longer than Beast's parser can store (65,533 bytes).
    "long_trailer": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"0\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n",
}

MAX_HEAD = 64 * 1024


def write_port_file(path: str, port: int) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".port-", dir=directory)
    with os.fdopen(fd, "w") as f:
        f.write("%d\n" % port)
    os.replace(temp, path)


def read_head(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_HEAD:
        piece = conn.recv(4096)
        if not piece:
            return b""
        data += piece
    return data


def hold(conn: socket.socket) -> None:
    """Reads and drops input until the peer closes: never answers."""
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.value = 0

    def next(self) -> int:
        with self.lock:
            self.value += 1
            return self.value


def serve_connection(conn: socket.socket, accepted: Counter) -> None:
    with conn:
        try:
            while True:
                head = read_head(conn)
                if not head:
                    return
                request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
                parts = request_line.split(" ")
                path = parts[1] if len(parts) == 3 else ""
                path = path.split("?", 1)[0]
                if path.startswith("/raw/"):
                    conn.sendall(RESPONSES.get(path[len("/raw/"):],
                                               b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                                               b"Connection: close\r\n\r\n"))
                    return
                if path == "/stall":
                    hold(conn)
                    return
                if path == "/endless-trailers":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 b"1\r\na\r\n0\r\n")
                    lines = b"X-T: v\r\n" * 8192
                    for _ in range(48 * 1024 * 1024 // len(lines)):
                        conn.sendall(lines)
                    return
                if path == "/stall-body":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
                    hold(conn)
                    return
                if path == "/connections/close":
                    body = b"%d\n" % accepted.value
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close"
                                 b"\r\n\r\n" % len(body) + body)
                    hold(conn)  # said close, but the FIN is late: only the field tells
                    return
                if path == "/connections":
                    body = b"%d\n" % accepted.value
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
                                 + body)
                    continue  # keep-alive: the connection may be pooled and reused
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            return


def accept_loop(listener: socket.socket, accepted: Counter) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        accepted.next()
        threading.Thread(target=serve_connection, args=(conn, accepted), daemon=True).start()


def blackhole() -> tuple:
    """A listening socket whose accept queue is full: further SYNs are dropped."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    return listener, fillers, port


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Misbehaving HTTP upstream for tests.")
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--blackhole-port-file")
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted = Counter()
    threading.Thread(target=accept_loop, args=(listener, accepted), daemon=True).start()
    held = None
    if args.blackhole_port_file:
        held = blackhole()
        write_port_file(args.blackhole_port_file, held[2])
    write_port_file(args.port_file, listener.getsockname()[1])
    stop.wait()
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
