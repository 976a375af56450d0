#!/usr/bin/python3
"""Prints {"series": increase} of latchkey's request and refusal counters between two
scrapes of its /metrics (BEFORE AFTER), as one JSON object."""
import json
import sys

PREFIXES = ("latchkey_requests_total", "latchkey_auth_denied_total")


def read(path):
    out = {}
    for line in open(path):
        if line.startswith(PREFIXES):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


before, after = read(sys.argv[1]), read(sys.argv[2])
print(json.dumps({k: int(v - before.get(k, 0)) for k, v in sorted(after.items())
                  if v - before.get(k, 0)}))
