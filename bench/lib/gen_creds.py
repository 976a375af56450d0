#!/usr/bin/python3
"""Generates the benchmark's credentials, exactly as latchkey would have made them.

Application passwords: 15 uniform symbols of Crockford's lower-case base32 and a Luhn mod 32
check symbol (auth/app_password.cpp); stored digest HMAC-SHA-256(pepper, "app_password" ||
0x00 || canonical) (auth/keyed_hash.cpp, auth/app_password.hpp), the pepper being the
pepper file's text without trailing whitespace (config/secrets.cpp).

Writes into OUT:
  bulk.sql              users + app_passwords for psql (COPY), password_hash copied from the
                        CLI-made user BENCH_USER (one Argon2 hash for all: they only use app
                        passwords)
  latchkey-many.txt     one `Basic ...` value per line: every bulk user x every app password
  peers-many.txt        one `Basic ...` value per bulk user (the peers hold one password each)
  latchkey-storm.txt    wrong application passwords (right check symbol, so each one costs
                        latchkey a lookup until the budgets refuse) for the storm users
  peers-storm.txt       wrong passwords for the same storm users
  htpasswd-sha          nginx auth_basic {SHA}: the bench user first, storm users, bulk users
  htpasswd-bcrypt       the same users with bcrypt ($2b$, cost BCRYPT_COST, htpasswd -B default)
  haproxy-users.cfg     `userlist plain` (insecure-password) and `userlist bcrypt`, the same
                        users in reverse order (HAProxy finds the last one written first)
  samples.tsv           a few (user, latchkey password, peer password) for the pre-check

Usage: gen_creds.py --out DIR --pepper-file F --bench-user U --bench-password P
                    --users N --per-user K --storm-users S [--bcrypt-cost C] [--seed X]
"""
import argparse
import base64
import crypt  # noqa: deprecated in 3.11, still in Debian 12's python3 (libxcrypt: $2b$)
import hashlib
import hmac
import multiprocessing
import os
import random
import secrets
import sys

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RADIX = 32
SYMBOLS = 16


def luhn_sum(digits, first_doubled):
    """auth/app_password.cpp luhn_sum: from the right, every second digit doubled."""
    total = 0
    doubled = first_doubled
    for d in reversed(digits):
        addend = d * (2 if doubled else 1)
        total += addend // RADIX + addend % RADIX
        doubled = not doubled
    return total % RADIX


def new_app_password(rng):
    digits = [rng.randrange(RADIX) for _ in range(SYMBOLS - 1)]
    digits.append((RADIX - luhn_sum(digits, True)) % RADIX)
    return "".join(ALPHABET[d] for d in digits)


LOOKALIKES = {"i": 1, "l": 1, "o": 0}


def normalize(typed):
    """auth/app_password.cpp normalize_app_password; None when refused."""
    digits = []
    for c in typed:
        if c in "- ":
            continue
        c = c.lower()
        if c in LOOKALIKES:
            digits.append(LOOKALIKES[c])
        elif c in ALPHABET:
            digits.append(ALPHABET.index(c))
        else:
            return None
    if len(digits) != SYMBOLS or luhn_sum(digits, False) != 0:
        return None
    return "".join(ALPHABET[d] for d in digits)


def formatted(canonical):
    return "-".join(canonical[i:i + 4] for i in range(0, len(canonical), 4))


def digest(pepper, canonical):
    return hmac.new(pepper, b"app_password\x00" + canonical.encode(), hashlib.sha256).hexdigest()


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def sha_entry(password):
    return "{SHA}" + base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()


def bcrypt_entry(args):
    password, cost = args
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2 ** cost))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--pepper-file", required=True)
    p.add_argument("--bench-user", required=True)
    p.add_argument("--bench-password", required=True)
    p.add_argument("--users", type=int, required=True)
    p.add_argument("--per-user", type=int, default=3)
    p.add_argument("--storm-users", type=int, default=100)
    p.add_argument("--bcrypt-cost", type=int, default=5)
    p.add_argument("--seed", default=None)
    a = p.parse_args()

    with open(a.pepper_file, "rb") as f:
        pepper = f.read().rstrip(b" \t\r\n")
    rng = random.Random(a.seed) if a.seed is not None else secrets.SystemRandom()

    # The generator must agree with latchkey's own check on the password the CLI made.
    bench_canonical = normalize(a.bench_password)
    if bench_canonical is None:
        sys.exit("gen_creds: the CLI's application password fails this generator's check "
                 "symbol: auth/app_password.cpp changed, update bench/lib/gen_creds.py")
    for _ in range(1000):
        pw = new_app_password(rng)
        assert normalize(pw) == pw and normalize(formatted(pw).upper()) == pw
        # A single changed symbol must be caught, as latchkey promises.
        i = rng.randrange(SYMBOLS)
        other = ALPHABET[(ALPHABET.index(pw[i]) + 1 + rng.randrange(RADIX - 1)) % RADIX]
        assert normalize(pw[:i] + other + pw[i + 1:]) is None

    os.makedirs(a.out, exist_ok=True)
    out = lambda name: os.path.join(a.out, name)  # noqa: E731

    bench_peer_pw = formatted(bench_canonical)
    storm = [f"storm{i:03d}" for i in range(a.storm_users)]
    storm_pw = {u: formatted(new_app_password(rng)) for u in storm}
    bulk = [f"user{i:05d}" for i in range(a.users)]
    bulk_pw = {u: [new_app_password(rng) for _ in range(a.per_user)] for u in bulk}

    with open(out("bench.digest"), "w") as f:  # compared with the database by bench/run
        f.write(digest(pepper, bench_canonical) + "\n")

    with open(out("bulk.sql"), "w") as f:
        f.write("\\set ON_ERROR_STOP on\nBEGIN;\n")
        f.write("CREATE TEMP TABLE bulk_users (username text) ON COMMIT DROP;\n")
        f.write("COPY bulk_users FROM STDIN;\n")
        for u in storm + bulk:
            f.write(u + "\n")
        f.write("\\.\n")
        f.write("INSERT INTO users (username, password_hash) SELECT b.username, "
                "(SELECT password_hash FROM users WHERE username = :'bench_user') "
                "FROM bulk_users b;\n")
        f.write("CREATE TEMP TABLE bulk_ap (username text, name text, hash text) "
                "ON COMMIT DROP;\n")
        f.write("COPY bulk_ap FROM STDIN;\n")
        for u in bulk:
            for k, pw in enumerate(bulk_pw[u]):
                f.write(f"{u}\tdevice-{k}\t{digest(pepper, pw)}\n")
        f.write("\\.\n")
        f.write("INSERT INTO app_passwords (user_id, name, hash) SELECT u.id, b.name, "
                "decode(b.hash, 'hex') FROM bulk_ap b JOIN users u ON u.username = b.username;\n")
        f.write("COMMIT;\nANALYZE users;\nANALYZE app_passwords;\n")

    with open(out("latchkey-many.txt"), "w") as f:
        for u in bulk:
            for pw in bulk_pw[u]:
                f.write(basic(u, formatted(pw)) + "\n")
    with open(out("peers-many.txt"), "w") as f:
        for u in bulk:
            f.write(basic(u, formatted(bulk_pw[u][0])) + "\n")
    with open(out("latchkey-storm.txt"), "w") as f, open(out("peers-storm.txt"), "w") as g:
        for _ in range(max(1000, a.storm_users)):
            u = rng.choice(storm) if storm else "nobody"
            f.write(basic(u, formatted(new_app_password(rng))) + "\n")
            g.write(basic(u, formatted(new_app_password(rng))) + "\n")

    # Peers: the bench user first (scenario 1 is not a scan through the file), then the rest.
    entries = [(a.bench_user, bench_peer_pw)] + [(u, storm_pw[u]) for u in storm] + \
              [(u, formatted(bulk_pw[u][0])) for u in bulk]
    with multiprocessing.Pool(os.cpu_count() or 1) as pool:
        bcrypts = pool.map(bcrypt_entry, [(pw, a.bcrypt_cost) for _, pw in entries],
                           chunksize=256)
    with open(out("htpasswd-sha"), "w") as f:
        for u, pw in entries:
            f.write(f"{u}:{sha_entry(pw)}\n")
    with open(out("htpasswd-bcrypt"), "w") as f:
        for (u, _), h in zip(entries, bcrypts):
            f.write(f"{u}:{h}\n")
    # HAProxy puts each user it parses at the head of its userlist and looks users up from
    # there: in its file the bench user comes last, so that it too finds it first.
    with open(out("haproxy-users.cfg"), "w") as f:
        f.write("userlist plain\n")
        for u, pw in reversed(entries):
            f.write(f"  user {u} insecure-password {pw}\n")
        f.write("\nuserlist bcrypt\n")
        for (u, _), h in reversed(list(zip(entries, bcrypts))):
            f.write(f"  user {u} password {h}\n")

    with open(out("samples.tsv"), "w") as f:
        picks = bulk[:1] + bulk[-1:] + (rng.sample(bulk, 3) if len(bulk) > 3 else [])
        for u in picks:
            k = rng.randrange(a.per_user)
            f.write(f"{u}\t{formatted(bulk_pw[u][k]).upper()}\t{formatted(bulk_pw[u][0])}\n")


if __name__ == "__main__":
    main()
