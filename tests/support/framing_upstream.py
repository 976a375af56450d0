#!/usr/bin/python3
"""An upstream whose Content-Length bodies lie, for latchkey's body-relay end-to-end tests.

    framing_upstream.py --port-file F

Listens on 127.0.0.1 on a free port and writes the number to F (atomically). For each
request it reads the head (request bodies are not read) and, by the last path segment:

    overlong?bytes=N      Content-Length: N, N bytes of "a", then a whole second response
                          ("SMUGGLED") in the same write; the connection stays open
    short?bytes=N&sent=M  Content-Length: N, M < N bytes of "b", then the connection closes
    plain                 Content-Length: 5, "plain"; the connection stays open

Standard library only; stops on SIGTERM or SIGINT.
"""

import argparse
import os
import signal
import socket
import sys
import tempfile
import threading
import urllib.parse

SMUGGLED = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED"
MAX_HEAD = 64 * 1024


def write_port_file(path: str, port: int) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=directory)
    with os.fdopen(fd, "w") as f:
        f.write(str(port))
    os.replace(temporary, path)


def read_head(conn: socket.socket, pending: bytearray) -> bytes:
    while b"\r\n\r\n" not in pending:
        if len(pending) > MAX_HEAD:
            return b""
        data = conn.recv(65536)
        if not data:
            return b""
        pending.extend(data)
    end = pending.index(b"\r\n\r\n") + 4
    head = bytes(pending[:end])
    del pending[:end]
    return head


def serve_connection(conn: socket.socket) -> None:
    pending = bytearray()
    with conn:
        try:
            while True:
                head = read_head(conn, pending)
                if not head:
                    return
                parts = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
                url = urllib.parse.urlsplit(parts[1] if len(parts) == 3 else "/")
                query = {k: int(v[0]) for k, v in urllib.parse.parse_qs(url.query).items()}
                name = url.path.rsplit("/", 1)[-1]
                if name == "overlong":
                    n = query.get("bytes", 0)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n
                                 + b"a" * n + SMUGGLED)
                elif name == "short":
                    n, sent = query.get("bytes", 0), query.get("sent", 0)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n
                                 + b"b" * sent)
                    return
                elif name == "plain":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain")
                else:
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            return


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    write_port_file(args.port_file, listener.getsockname()[1])
    try:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve_connection, args=(conn,), daemon=True).start()
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
