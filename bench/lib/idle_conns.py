#!/usr/bin/python3
"""Scenario 6: opens COUNT keep-alive connections, sends one authenticated GET on each, reads
the answer, then holds them all idle. Writes "opened ok failed" to --ready-file once every
connection has been tried, and exits when --hold seconds have passed or on SIGTERM, reporting
how many connections were still open (a proxy that dropped idle ones would show here).

With --tls, each connection is TLS (the certificate is not checked: the target is ours, on
127.0.0.1).

Usage: idle_conns.py --port P --auth 'Basic ...' --count N --ready-file F [--hold S] [--tls]
"""
import argparse
import asyncio
import resource
import signal
import ssl
import sys


async def open_one(port, request, sem, conns, stats, tls):
    async with sem:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, ssl=tls), 10)
            writer.write(request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            status = head.split(b" ", 2)[1]
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await asyncio.wait_for(reader.readexactly(length), 10)
            if status == b"200":
                stats["ok"] += 1
                conns.append((reader, writer))
            else:
                stats["failed"] += 1
                writer.close()
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError,
                IndexError, asyncio.LimitOverrunError, ssl.SSLError):
            stats["failed"] += 1


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--auth", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--ready-file", required=True)
    p.add_argument("--hold", type=float, default=60)
    p.add_argument("--parallel", type=int, default=200)
    p.add_argument("--tls", action="store_true")
    a = p.parse_args()
    tls = None
    if a.tls:
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    request = (f"GET /idle HTTP/1.1\r\nHost: bench\r\nAuthorization: {a.auth}\r\n\r\n").encode()
    conns, stats = [], {"ok": 0, "failed": 0}
    sem = asyncio.Semaphore(a.parallel)
    await asyncio.gather(*(open_one(a.port, request, sem, conns, stats, tls)
                           for _ in range(a.count)))
    with open(a.ready_file + ".tmp", "w") as f:
        f.write(f"{a.count} {stats['ok']} {stats['failed']}\n")
    import os
    os.replace(a.ready_file + ".tmp", a.ready_file)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), a.hold)
    except asyncio.TimeoutError:
        pass
    still_open = sum(1 for r, _ in conns if not r.at_eof())
    print(f"idle_conns: {stats['ok']} opened, {stats['failed']} failed, {still_open} still open",
          file=sys.stderr)
    for _, w in conns:
        w.close()


asyncio.run(main())
