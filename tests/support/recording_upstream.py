#!/usr/bin/python3
"""A real HTTP/1.1 upstream for latchkey's end-to-end tests and scripts/demo.

    recording_upstream.py --port N [--port-file F] [--record FILE] [--host ADDR] [--verbose]
                          [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]]

Listens on 127.0.0.1 (--host changes that; the compose file needs 0.0.0.0 inside its
container). With --port 0 it binds a free port and, once listening, writes the number to
--port-file atomically (temporary file, then rename).

Every request is answered 200 with one line of JSON describing what arrived:

    {"method": "POST", "path": "/a?b=c", "version": "HTTP/1.1",
     "headers": [["Host", "..."], ...],          # in order, original case
     "body_bytes": 123, "body_sha256": "<hex>",
     "trailers": ["Name: value", ...]}           # chunked trailer lines as received

Request bodies (Content-Length or Transfer-Encoding: chunked, decoded here) are read in
64 KiB pieces and hashed as they stream; they are never held whole. With --record FILE the
same JSON is appended to FILE as one line per request (every request, special paths too),
flushed at once.

With --tls-cert and --tls-key it speaks HTTPS (TLS 1.2+, ALPN http/1.1); --tls-client-ca
then also requires a client certificate signed by that CA. In TLS mode each record gains
"tls_client_subject", the client certificate's common name ("" without one), and
"client_port", the TCP port of the connection it came on (equal ports: a reused connection).

Special paths (GET; HEAD gives the same headers with no body):
    /download?bytes=N         N bytes of the pattern 00 01 .. ff 00 01 .., Content-Length,
                              X-Body-Sha256: <hex of those bytes>, written 64 KiB at a time
    /chunked?bytes=N          the same body with Transfer-Encoding: chunked (64 KiB chunks)
    /close-delimited?bytes=N  the same body with neither Content-Length nor chunking,
                              Connection: close, then the connection is closed
    /slow?ms=N                sleeps N ms, then answers the JSON
    /status?code=N            answers status N (200..599) with the JSON (no body for 204/304)
    .../overlong              misframed: "abc" under Content-Length: 3, then a second whole
                              answer ("STALE") written after it (its own TLS record)
    .../overlong?stale_bytes=N  the same, the second answer's body N bytes of "STALE"
                              repeated, written in 16 KiB pieces (one TLS record each)

Standard library only. Stops cleanly on SIGTERM or SIGINT.
"""

import argparse
import functools
import hashlib
import http.server
import json
import os
import signal
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse

PIECE = 64 * 1024
PATTERN_BLOCK = bytes(range(256)) * (PIECE // 256)  # every 64 KiB piece of the body is this
MAX_LINE = 64 * 1024


class BadRequest(Exception):
    """The request is malformed; answer 400 and close the connection."""


@functools.lru_cache(maxsize=64)
def pattern_sha256(n: int) -> str:
    digest = hashlib.sha256()
    full, rest = divmod(n, PIECE)
    for _ in range(full):
        digest.update(PATTERN_BLOCK)
    digest.update(PATTERN_BLOCK[:rest])
    return digest.hexdigest()


def pattern_pieces(n: int):
    full, rest = divmod(n, PIECE)
    for _ in range(full):
        yield PATTERN_BLOCK
    if rest:
        yield PATTERN_BLOCK[:rest]


class Recorder:
    def __init__(self, path):
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8") if path else None

    def record(self, line: str) -> None:
        with self._lock:
            if self._file is None:
                return
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            with self._lock:
                self._file.close()
                self._file = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "recording-upstream/1"

    def version_string(self):
        return self.server_version

    # Any method (GET, POST, PROPFIND, ...) lands in _handle.
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        if self.server.verbose:
            sys.stderr.write("recording_upstream: %s %s\n" % (self.address_string(), format % args))

    # ---- request body ---------------------------------------------------------------

    def _read_exact(self, n: int, digest) -> None:
        while n > 0:
            piece = self.rfile.read(min(n, PIECE))
            if not piece:
                raise ConnectionError("client closed the connection inside the body")
            digest.update(piece)
            n -= len(piece)

    def _read_line(self) -> bytes:
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            raise ConnectionError("client closed the connection inside the body")
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            raise BadRequest("line too long in chunked body")
        return line

    def _read_chunked(self, digest, trailers) -> int:
        total = 0
        while True:
            size_text = self._read_line().split(b";", 1)[0].strip()
            try:
                if not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
                    raise ValueError
                size = int(size_text, 16)
            except ValueError:
                raise BadRequest("bad chunk size %r" % size_text) from None
            if size == 0:
                break
            self._read_exact(size, digest)
            total += size
            if self._read_line() not in (b"\r\n", b"\n"):
                raise BadRequest("chunk data not followed by CRLF")
        while True:  # trailer fields, recorded as they came
            line = self._read_line()
            if line in (b"\r\n", b"\n"):
                break
            trailers.append(line.rstrip(b"\r\n").decode("latin-1"))
        return total

    def _read_body(self, trailers):
        digest = hashlib.sha256()
        encodings = self.headers.get_all("Transfer-Encoding") or []
        if encodings:
            codings = [c.strip().lower() for v in encodings for c in v.split(",") if c.strip()]
            if not codings or codings[-1] != "chunked":
                raise BadRequest("unsupported Transfer-Encoding")
            return self._read_chunked(digest, trailers), digest.hexdigest()
        lengths = self.headers.get_all("Content-Length") or []
        values = {part.strip() for value in lengths for part in value.split(",")}
        if not values:
            return 0, digest.hexdigest()
        if len(values) != 1 or not next(iter(values)).isdigit():
            raise BadRequest("bad Content-Length")
        n = int(next(iter(values)))
        self._read_exact(n, digest)
        return n, digest.hexdigest()

    # ---- responses ------------------------------------------------------------------

    def _start(self, code: int, headers) -> None:
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def _send_json(self, code: int, payload: bytes) -> None:
        bodiless = code in (204, 304)
        headers = [("Content-Type", "application/json")]
        if not bodiless:
            headers.append(("Content-Length", str(len(payload))))
        self._start(code, headers)
        if self.command != "HEAD" and not bodiless:
            self.wfile.write(payload)

    def _send_pattern(self, n: int, framing: str) -> None:
        headers = [("Content-Type", "application/octet-stream"),
                   ("X-Body-Sha256", pattern_sha256(n))]
        chunked = framing == "chunked" and self.request_version != "HTTP/1.0"
        if framing == "length":
            headers.append(("Content-Length", str(n)))
        elif chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        else:  # close-delimited (also /chunked for an HTTP/1.0 client, which cannot dechunk)
            self.close_connection = True
        self._start(200, headers)
        if self.command == "HEAD":
            return
        for piece in pattern_pieces(n):
            if chunked:
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            else:
                self.wfile.write(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _send_error_json(self, code: int, message: str) -> None:
        self.close_connection = True
        payload = (json.dumps({"error": message}) + "\n").encode()
        self._send_json(code, payload)

    def _handle(self) -> None:
        trailers = []
        try:
            body_bytes, body_sha256 = self._read_body(trailers)
        except BadRequest as error:
            self._send_error_json(400, str(error))
            return
        except (ConnectionError, OSError):
            self.close_connection = True
            return

        description = {
            "method": self.command,
            "path": self.path,
            "version": self.request_version,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body_bytes": body_bytes,
            "body_sha256": body_sha256,
            "trailers": trailers,
        }
        if isinstance(self.connection, ssl.SSLSocket):
            peer = self.connection.getpeercert() or {}
            names = [value for rdn in peer.get("subject", ()) for key, value in rdn
                     if key == "commonName"]
            description["tls_client_subject"] = names[0] if names else ""
            description["client_port"] = self.client_address[1]
        line = json.dumps(description) + "\n"
        self.server.recorder.record(line)
        payload = line.encode()

        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)

        def number(name: str, low: int, high: int) -> int:
            values = query.get(name)
            if not values or not values[0].isdigit() or not low <= int(values[0]) <= high:
                raise BadRequest("%s needs ?%s=N with %d <= N <= %d" % (url.path, name, low, high))
            return int(values[0])

        try:
            if self.command in ("GET", "HEAD") and url.path in ("/download", "/chunked",
                                                                "/close-delimited"):
                n = number("bytes", 0, 1 << 40)
                framing = {"/download": "length", "/chunked": "chunked",
                           "/close-delimited": "close"}[url.path]
                self._send_pattern(n, framing)
            elif url.path.endswith("/overlong"):
                # Misframed on purpose: a whole second answer, in a TLS record of its own, right
                # behind a 3-byte body; it must never become the next request's answer.
                self._start(200, [("Content-Length", "3")])
                self.wfile.write(b"abc")
                if "stale_bytes" in query:
                    n = number("stale_bytes", 0, 1 << 24)
                    stale = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n
                    stale += (b"STALE" * (n // 5 + 1))[:n]
                    for at in range(0, len(stale), 16 * 1024):
                        self.wfile.write(stale[at:at + 16 * 1024])
                else:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nSTALE")
            elif url.path == "/slow":
                time.sleep(number("ms", 0, 3_600_000) / 1000.0)
                self._send_json(200, payload)
            elif url.path == "/status":
                self._send_json(number("code", 200, 599), payload)
            else:
                self._send_json(200, payload)
        except BadRequest as error:
            self._send_error_json(400, str(error))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # hundreds of connections at once must not wait out SYN retries

    def __init__(self, address, recorder: Recorder, verbose: bool, tls=None):
        self.recorder = recorder
        self.verbose = verbose
        self.tls = tls
        super().__init__(address, Handler)

    def get_request(self):
        sock, address = super().get_request()
        if self.tls is not None:
            # The handshake runs on the handler's thread, at its first read: a client that
            # stalls or fails it holds up nobody else.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def write_port_file(path: str, port: int) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".port-", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write("%d\n" % port)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Recording HTTP/1.1 upstream for tests.")
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 picks a free one")
    parser.add_argument("--port-file", help="write the bound port here (atomically)")
    parser.add_argument("--record", help="append one JSON line per request to this file")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (chain)")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    parser.add_argument("--tls-client-ca", help="require client certificates signed by this CA")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be 0..65535")
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.tls_client_ca and not args.tls_cert:
        parser.error("--tls-client-ca needs --tls-cert and --tls-key")

    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.minimum_version = ssl.TLSVersion.TLSv1_2
        tls.load_cert_chain(args.tls_cert, args.tls_key)
        tls.set_alpn_protocols(["http/1.1"])
        if args.tls_client_ca:
            tls.load_verify_locations(args.tls_client_ca)
            tls.verify_mode = ssl.CERT_REQUIRED

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    recorder = Recorder(args.record)
    server = Server((args.host, args.port), recorder, args.verbose, tls)
    port = server.server_address[1]
    if args.port_file:
        write_port_file(args.port_file, port)
    if args.verbose:
        sys.stderr.write("recording_upstream: listening on %s:%d\n" % (args.host, port))

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True)
    thread.start()
    while not stop.wait(1.0):
        if not thread.is_alive():
            break
    server.shutdown()
    server.server_close()
    recorder.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
