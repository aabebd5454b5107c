#!/usr/bin/env python3
"""
fuzz_sql.py: call every SQL entry point of userservice (schema 1.3) with
random and adversarial input, as every kind of caller, and check each
outcome against a model of the rules.

A failure is any of:
  - an undocumented SQLSTATE (XX000 above all) that the argument's own input
    function does not explain (a jsonb literal PostgreSQL itself refuses is
    not the extension's fault: such calls are counted as "input-rejected");
  - a lost connection or a restarted postmaster (a crashed backend);
  - a statement timeout (a hang: nothing in the API should take seconds);
  - a PANIC, TRAP, sanitizer report or "terminated by signal" line in the
    server log (--server-log).
An oracle finding is an outcome the model of the 1.3 rules says cannot
happen: a call that succeeded where it must not, an error other than the one
the rules give (privileges, the caller's verdict with strict claims and
revocation, the login throttle, the token checks), a token for a wrong
password, a password hash or a signing secret in a result, a failed call
that changed stored data, or stored data that breaks the input rules. They
fail the run with --strict. Failures and findings that reproduce an open
issue listed in KNOWN_ISSUES are reported as such and do not fail the run;
--skip-known leaves their generators out altogether.

Every failure is printed with a reproducing SQL script (role, claims and
the call, values as literals); --repro-dir also writes each one to a file.

Usage:
  fuzz_sql.py --host /tmp/sock --port 5432 --dbname postgres \
              --seed 1 --calls 100000 [--fresh] [--server-log FILE]

Requires Debian's python3-psycopg2 and a superuser connection (the fuzzer
switches to the web roles with set_config('role', ..., true), as PostgREST
does, sets the userservice.* settings it needs for its session, creates a
signing key whose secret it knows and a few roles of its own).
"""

import argparse
import base64
import decimal
import hashlib
import hmac
import json
import math
import os
import random
import re
import sys
import threading
import time
import unicodedata

try:
    import psycopg2
    import psycopg2.extensions
except ImportError:  # pragma: no cover
    sys.stderr.write("fuzz_sql.py needs psycopg2: apt-get install python3-psycopg2\n")
    sys.exit(3)

# The error table of docs/contract.md and the 1.3 README (PT503: an attempt the login
# throttle could not count), plus 55000 (no signing key, only while the
# fuzzer has deleted the keys in a transaction it rolls back) and
# 40001/40P01 (acceptable under concurrency).
DOCUMENTED = {"PT404", "23505", "PT409", "22023", "28P01", "28000", "42501", "PT429", "PT503"}
CONCURRENCY = {"40001", "40P01"}

# The signing key the fuzzer creates (create_signing_key('HS256', SECRET)):
# it signs its crafted tokens with it, with or without the key's kid.
SECRET = "fuzz-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
OTHER_SECRET = "another-secret-of-enough-length-000000"  # never a key

ANON, USER, ADMIN = "userservice_anon", "userservice_user", "userservice_admin"
ROLES = [ANON, USER, ADMIN]
MEMBER_ROLE = "userservice_fuzz_member"        # INHERIT member of userservice_user: acts as it
PLAIN_ROLE = "userservice_fuzz_plain"          # EXECUTE on every function, no web role: 42501 everywhere
NOINHERIT_ROLE = "userservice_fuzz_noinherit"  # NOINHERIT member of userservice_admin, EXECUTE on every function: 42501
TRUSTED_ROLE = "userservice_fuzz_trusted"      # member of userservice_trusted (+ EXECUTE on the key functions)
FUZZ_ROLES = [MEMBER_ROLE, PLAIN_ROLE, NOINHERIT_ROLE, TRUSTED_ROLE]
TRUSTED = "userservice_trusted"                # the role 1.3 creates (NOLOGIN, granted the API)
# How src/caller.c classifies each caller (None: the session's superuser).
KIND = {None: "super", TRUSTED_ROLE: "trusted", TRUSTED: "trusted", ADMIN: "admin", USER: "user", MEMBER_ROLE: "user",
        ANON: "anon", PLAIN_ROLE: "none", NOINHERIT_ROLE: "none"}

# The login throttle's settings for the fuzzer's session. The budget is
# raised so that logins keep succeeding; stretches with a low budget and
# the lockout scenario exercise PT429.
LOGIN_MAX_FAILURES = 1000
LOGIN_WINDOW = 900

# Open findings this fuzzer reproduces (see test/reliability/README.md), by
# name -> description. A call that reproduces one is tagged with its name and
# reported, but does not fail the run; --skip-known leaves its generator out,
# so that the test command stays green until the finding is fixed. The
# generators of fixed findings run as regression checks:
#   member-role-is-trusted (fixed in 412ee0e): calls as a role that is a
#     member of userservice_user must be treated as userservice_user;
#   b64-high-byte (fixed in 412ee0e): malleable_token() must be refused;
#   login-self-deadlock (fixed in 03cea59): g_txn's login sequence must not hang.
KNOWN_ISSUES = {}

# request.headers as a proxy in front of PostgREST might leave them.
HEADER_SETS = ['{"x-forwarded-for":"203.0.113.7"}', '{"x-forwarded-for":"10.0.0.1, 2001:db8::1"}',
               '{"x-real-ip":"198.51.100.2","x-forwarded-for":"::ffff:192.0.2.1"}', '{}', 'not json',
               '{"x-forwarded-for":"[2001:db8::5]:443"}', '{"x-forwarded-for":"' + "1" * 100 + '"}']

# Calls whose statement the extension hides from the server log, and the
# primary messages of the extension's own errors (src/*.c us_raise).
HIDDEN_CALL = re.compile(r"userservice\.(login|create_user|change_password|update_user|import_users|"
                         r"create_signing_key)\s*\(")
OWN_ERROR = re.compile(r" ERROR:  (invalid (?!input syntax)|too many failed logins|could not count|not allowed|"
                       r"user not found|post not found|email already registered|user was changed|no signing key|"
                       r"login is unavailable|signing key not found|could not hash)")

LOG_ALARMS = re.compile(r"PANIC|TRAP:|terminated by signal|AddressSanitizer|"
                        r"runtime error:|server process .* was terminated|"
                        r"LeakSanitizer|UndefinedBehaviorSanitizer|"
                        r"terminating any other active server processes")

# --------------------------------------------------------------------------
# Input generators
# --------------------------------------------------------------------------

CONTROL = [chr(c) for c in list(range(1, 0x20)) + [0x7F] + list(range(0x80, 0xA0))]
UNI_SPACES = ["\u00a0", "\u1680", "\u2000", "\u2003", "\u200a", "\u200b", "\u2028",
              "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", " "]
MULTI = ["é", "ß", "Ä", "İ", "ı", "K", "Å", "ﬀ", "Σ", "ς", "中", "文", "한", "𝔘", "😀",
         "👩‍👩‍👧", "\u0301", "\u200d", "\u202e", "\u2066", "\u00ad", "\u2060", "\ufffd", "\U0010ffff", "\U0001f600", "ｅ",
         "＠", "．", "\uffff", "\ue000"]
SQL_META = ["'", "''", "\"", "\\", ";", "--", "/*", "*/", "$$", "$1", "%s", "%n", "%x",
            "%.*s", "%d", "' OR '1'='1", "'); DROP TABLE userservice.users; --",
            "\\x00", "E'\\\\'", "::text", "NULL", "null", "{", "}", "[", "]", ",", ":",
            "$argon2id$", "\\u0000", "<script>", "${jndi:x}"]


def rand_char(rng):
    r = rng.random()
    if r < 0.55:
        return chr(rng.randint(0x21, 0x7E))
    if r < 0.70:
        return rng.choice(MULTI)
    if r < 0.80:
        return rng.choice(CONTROL)
    if r < 0.88:
        return rng.choice(UNI_SPACES)
    # any scalar value but the surrogates (text cannot hold them) and NUL
    while True:
        c = rng.randint(1, 0x10FFFF)
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def rand_len(rng):
    r = rng.random()
    if r < 0.50:
        return rng.randint(0, 12)
    if r < 0.80:
        return rng.randint(13, 130)
    if r < 0.97:
        return rng.choice([7, 8, 63, 64, 65, 99, 100, 101, 127, 128, 129, 199, 200, 201,
                           253, 254, 255, 256, 1000])
    return rng.choice([10000, 100000, 100001, 300000])


def rand_text(rng, length=None):
    n = rand_len(rng) if length is None else length
    if n > 2000:
        # huge strings: a repeated random chunk keeps generation fast
        chunk = "".join(rand_char(rng) for _ in range(64))
        return (chunk * (n // 64 + 1))[:n]
    return "".join(rand_char(rng) for _ in range(n))


def ascii_word(rng, lo=1, hi=10):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(rng.randint(lo, hi)))


def valid_email(rng, tag="f"):
    return "%s.%s%d@%s.%s" % (tag, ascii_word(rng, 3, 8), rng.randint(0, 10**9),
                              ascii_word(rng, 2, 8), rng.choice(["com", "org", "example", "io"]))


def random_case(rng, s):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def mutate_text(rng, s, rounds=None):
    """Insert, delete, replace or duplicate characters of s."""
    s = list(s)
    for _ in range(rounds or rng.randint(1, 4)):
        op = rng.randrange(5)
        pos = rng.randint(0, len(s))
        if op == 0:
            s.insert(pos, rand_char(rng))
        elif op == 1 and s:
            del s[min(pos, len(s) - 1)]
        elif op == 2 and s:
            s[min(pos, len(s) - 1)] = rand_char(rng)
        elif op == 3:
            s.insert(pos, rng.choice(SQL_META + UNI_SPACES + MULTI))
        else:
            s[pos:pos] = s[pos:pos + rng.randint(1, 5)] * rng.randint(1, 3)
    return "".join(s)


def email_like(rng, known):
    r = rng.random()
    if r < 0.25 and known:
        return random_case(rng, rng.choice(known))
    if r < 0.45:
        return valid_email(rng)
    if r < 0.70:
        return mutate_text(rng, valid_email(rng))
    if r < 0.80:
        local = rand_text(rng, rng.choice([0, 1, 63, 64, 65, 70]))
        dom = rng.choice(["example.com", ".example.com", "example.com.", "ex..ample.com",
                          "examplecom", "", "a.b", "ex ample.com", "éxample.com", "例え.jp"])
        return local + rng.choice(["@", "@@", "", "＠"]) + dom
    if r < 0.88:
        # boundary lengths: 254/255 characters, in 1- to 4-byte characters
        ch = rng.choice(["a", "é", "中", "😀"])
        local = ch * rng.choice([1, 63, 64, 65])
        total = rng.choice([253, 254, 255])
        dom_len = max(3, total - len(local) - 1)
        dom = (ch * (dom_len - 4)) + ".com"
        return local + "@" + dom
    return rand_text(rng)


def password_like(rng):
    r = rng.random()
    if r < 0.3:
        return "pw-" + ascii_word(rng, 5, 20)
    if r < 0.5:
        ch = rng.choice(["a", "é", "中", "😀", "\u0301"])
        return ch * rng.choice([0, 1, 7, 8, 9, 127, 128, 129, 1000])
    return rand_text(rng)


def name_like(rng):
    r = rng.random()
    if r < 0.3:
        return "Name " + ascii_word(rng)
    if r < 0.45:
        return rng.choice(["", " ", "\u3000\u00a0", "\t", "a\nb", "x" * 100, "x" * 101,
                           "é" * 100, "😀" * 101, "\u200b", "Robert'); DROP TABLE users;--"])
    return rand_text(rng)


# -- JSON text, written by hand: duplicate keys, huge numbers, raw escapes --

JSON_NUMBERS = ["0", "-0", "1", "-1", "1.5", "1e308", "1e309", "-1e308", "1e999",
                "1e-999", "1E+2", "0.000000000000000000000000001",
                "123456789012345678901234567890123456789012345678901234567890",
                "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                "2147483647", "2147483648", "4294967296", "1e1000", "1e-1000", "1e1001",
                "12e", "01", "+1", ".5", "NaN", "Infinity", "-", "1.", "0x10"]
JSON_RAW_STRINGS = ['"\\u0000"', '"\\ud800"', '"\\udc00"', '"\\ud800\\udc00"', '"\\uDFFF"',
                    '"\\u00e9"', '"\\/"', '"\\x"', '"\\"', '"\t"', '"a\\nb"', '"\\u12"',
                    '"\\uZZZZ"', '""', '"\\ufeff"']


def json_str(rng, s):
    return json.dumps(s, ensure_ascii=rng.random() < 0.5)


def json_number(rng):
    r = rng.random()
    if r < 0.6:
        return rng.choice(JSON_NUMBERS[:22])  # valid JSON numbers
    if r < 0.8:
        return str(rng.randint(-2**70, 2**70))
    if r < 0.9:
        return "9" * rng.choice([64, 65, 1000, 131072, 131073]) + rng.choice(["", ".5", "e5"])
    return rng.choice(JSON_NUMBERS[22:])  # not JSON at all


def json_value(rng, depth=0, string_gen=None):
    r = rng.random()
    if depth > 3:
        r = r * 0.6  # scalars only, mostly
    if r < 0.10:
        return "null"
    if r < 0.18:
        return rng.choice(["true", "false"])
    if r < 0.30:
        return json_number(rng)
    if r < 0.55:
        return json_str(rng, string_gen(rng) if string_gen else rand_text(rng))
    if r < 0.60:
        return rng.choice(JSON_RAW_STRINGS)
    if r < 0.75:
        return "[" + ",".join(json_value(rng, depth + 1, string_gen)
                              for _ in range(rng.randint(0, 4))) + "]"
    if r < 0.90:
        return json_object(rng, {}, depth + 1, string_gen)
    return deep_json(rng)


def deep_json(rng):
    depth = rng.choice([16, 17, 100, 1000, 5000, 20000])
    if rng.random() < 0.5:
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def json_object(rng, fields, depth=0, string_gen=None):
    """An object drawing keys from fields (key -> generator of a valid value)."""
    keys = list(fields)
    members = []
    for _ in range(rng.randint(0, 5)):
        r = rng.random()
        if r < 0.6 and keys:
            k = rng.choice(keys)
        elif r < 0.75 and keys:
            k = mutate_text(rng, rng.choice(keys), 1)
        elif r < 0.85 and keys:
            k = random_case(rng, rng.choice(keys))
        else:
            k = rand_text(rng, rng.choice([0, 1, 5, 64, 65, 300]))
        v = rng.random()
        if k in fields and v < 0.55:
            val = fields[k](rng)
        else:
            val = json_value(rng, depth + 1, string_gen)
        members.append(json_str(rng, k) + ":" + val)
    if keys and rng.random() < 0.15:  # a duplicate key, last one wins in jsonb
        k = rng.choice(keys)
        members.append(json_str(rng, k) + ":" + fields[k](rng))
        members.insert(0, json_str(rng, k) + ":" + json_value(rng, depth + 1))
    return "{" + ",".join(members) + "}"


def maybe_broken_json(rng, text):
    """Usually text itself; sometimes a JSON that is not an object, or not JSON."""
    r = rng.random()
    if r < 0.85:
        return text
    if r < 0.90:
        return rng.choice(["[]", "null", "1", '"s"', "true", "[{}]", '{"a":1}', "{}"])
    if r < 0.95:
        return json_value(rng)
    return mutate_text(rng, text)



# -- JWTs ---------------------------------------------------------------------

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sign(header_b64, payload_b64, key=SECRET.encode()):
    if isinstance(key, str):
        key = key.encode()
    mac = hmac.new(key, (header_b64 + "." + payload_b64).encode(), hashlib.sha256)
    return b64u(mac.digest())


HEADERS = ['{"alg":"HS256","typ":"JWT"}', '{"alg":"HS256"}', '{"alg":"none","typ":"JWT"}',
           '{"alg":"HS512"}', '{"alg":"RS256"}', '{"alg":"hs256"}', '{"typ":"JWT"}', '{}',
           '{"alg":null}', '{"alg":["HS256"]}', '{"alg":"HS256","alg":"none"}',
           '{"alg":"none","alg":"HS256"}', '{"alg":"HS256\\u0000"}', '{"alg":"HS256","crit":["x"]}',
           '[]', 'null', '"HS256"', '{"alg":"HS256"', '{"alg":"HS256","kid":"../../etc/passwd"}']


def header_like(rng, kids):
    """A token header: mostly HS256 with the kid of a key the fuzzer knows
    (signing, verifying or retired) or without a kid; an unknown kid; a kid
    that is not a string; a crit header; the old bestiary."""
    r = rng.random()
    kid = rng.choice(kids) if kids else "0" * 32
    if r < 0.30:
        return '{"alg":"HS256","typ":"JWT","kid":%s}' % json.dumps(kid)
    if r < 0.50:
        return rng.choice(['{"alg":"HS256","typ":"JWT"}', '{"alg":"HS256"}', '{"typ":"JWT","alg":"HS256"}'])
    if r < 0.58:
        return '{"alg":"HS256","typ":"JWT","kid":"%s"}' % "".join(rng.choice("0123456789abcdef") for _ in range(32))
    if r < 0.66:
        return '{"alg":"HS256","kid":%s}' % rng.choice(['123', 'null', '["%s"]' % kid, '{"kid":"%s"}' % kid,
                                                        'true', '""', '"%s "' % kid, '"%s"' % kid.upper()])
    if r < 0.74:
        return '{"alg":"HS256","typ":"JWT",%s}' % rng.choice([
            '"kid":"%s","crit":["exp"]' % kid, '"crit":[]', '"crit":null', '"crit":["b64"],"b64":false',
            '"kid":"%s","crit":"kid"' % kid])
    if r < 0.78:
        return '{"alg":"HS256","kid":"%s","kid":"%s"}' % (rng.choice(kids + ["x"]), kid)  # the last one wins
    return rng.choice(HEADERS) if rng.random() < 0.8 else json_value(rng)


def mutate_token(rng, tok):
    r = rng.random()
    parts = tok.split(".")
    if r < 0.3:  # bit flip in one character
        b = bytearray(tok.encode())
        if b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(7)
        return b.decode("utf-8", "replace").replace("\x00", "")
    if r < 0.45 and len(parts) == 3:  # swap parts
        i, j = rng.sample(range(3), 2)
        parts[i], parts[j] = parts[j], parts[i]
        return ".".join(parts)
    if r < 0.55:
        return tok + rng.choice([".", ".x", "..", "\n", " ", "=", "=="])
    if r < 0.65:
        return rng.choice(["", ".", "..", "...", "a.b", "a.b.", ".b.c", "a..c",
                           "a.b.c.d", tok.replace(".", "")])
    if r < 0.75 and len(parts) == 3:  # alg none, no signature
        return b64u(b'{"alg":"none","typ":"JWT"}') + "." + parts[1] + "."
    if r < 0.85:  # huge parts
        n = rng.choice([100, 8000, 16385, 40000])
        return "eyJ" + "A" * n + "." + (parts[1] if len(parts) > 1 else "e30") + "." + "B" * 43
    return mutate_text(rng, tok)


# -- PHC strings for import_users ---------------------------------------------

GOOD_PHC = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43

# Real argon2id hashes (libsodium, m=8 KiB, t=1: cheap to verify) of known
# passwords, two of them shorter than the password policy allows: an
# imported legacy hash logs in, and the login upgrades it to the current cost.
LEGACY_HASHES = [
    ("short1", "$argon2id$v=19$m=8,t=1,p=1$e/qILpfScAGRb5K7i29yrg$bpiv7mG783JpS22aVp2or4hGiNxNxDy0QYhvVHTjUzY"),
    ("legacy-password-2", "$argon2id$v=19$m=8,t=1,p=1$WjxSiNtvsDydZu0Mst19Mg$gUy2QVXgjNH8ult72xdb6zDw5HioAXtBF0airZiaGSk"),
    ("x", "$argon2id$v=19$m=8,t=1,p=1$HkIM8IVT4L7MGaJula8amw$fXFSAgNqLIKQSC/9BSovRzVCzFUxr1E2voiDLTMS3hc"),
]
LEGACY_OF = {h: pw for pw, h in LEGACY_HASHES}

# The cost bounds of import_users (userservice.import_max_hash_memory = 64MB,
# import_max_hash_iterations = 4 by default) on both sides.
_PHC_TAIL = "$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43
COST_EDGE_PHC = ["$argon2id$v=19$m=%s,t=%s,p=%s" % c + _PHC_TAIL for c in [
    (65536, 4, 1), (65537, 4, 1), (65536, 5, 1), (8, 1, 1), (7, 1, 1), (19456, 0, 1), (19456, 2, 2),
    (4194304, 1000, 1), (1048576, 2, 1), (19456, 3, 1), ("+19456", 2, 1), (" 19456", 2, 1),
    ("019456", 2, 1), (19456, "04", 1), (18446744073709551617, 2, 1)]]
CANONICAL_PHC = {s for s in COST_EDGE_PHC if re.fullmatch(r"[^ +]*", s) and "=0" not in s}


def phc_like(rng):
    r = rng.random()
    if r < 0.3:
        return GOOD_PHC
    if r < 0.4:
        return rng.choice(COST_EDGE_PHC)
    if r < 0.65:
        # mutate only the layout, keep the cost small: a login on an imported
        # account verifies at the cost named in the hash
        s = GOOD_PHC
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(s))
            c = rng.choice("$=,.A/+0123456789argonidvmtp")
            if s[i].isdigit() and c.isdigit():
                c = s[i]  # no new digits: t and m stay as they are
            s = s[:i] + c + s[i + 1:]
        return s
    return rng.choice(["", "$argon2id$", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,
                       "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$AAAA", "$2b$12$" + "a" * 53,
                       "$argon2id$v=19$m=19456,t=2,p=1$$", GOOD_PHC + "A" * 80,
                       "$argon2id$v=18$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,
                       "$argon2id$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,
                       "$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,
                       "$argon2id$v=19$m=19456,t=2,p=0$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,
                       rand_text(rng)])


PHC_COST = re.compile(r"\$argon2id\$v=19\$m=([0-9]+),t=([0-9]+),p=([0-9]+)\$")


def model_phc_ok(s, max_memory_kb=65536, max_iterations=4):
    """us_password_is_phc: False when import_users must refuse the string
    (too long, not the layout sscanf and libsodium both read, a cost out of
    bounds), None when libsodium's own parser decides the rest."""
    if len(s.encode("utf-8")) >= 128 or "\x00" in s:
        return False
    m = PHC_COST.match(s)
    if not m:
        return False
    mem, t, p = (int(x) for x in m.groups())
    if p != 1 or not 1 <= t <= max_iterations or not 8 <= mem <= max_memory_kb:
        return False
    if s in LEGACY_OF or s == GOOD_PHC or s in CANONICAL_PHC:
        return True  # strings libsodium reads
    return None

# --------------------------------------------------------------------------
# A Python model of the input rules of docs/contract.md (the differential oracle)
# --------------------------------------------------------------------------

def is_control(c):
    o = ord(c)
    return o < 0x20 or 0x7F <= o <= 0x9F


# The rules are ICU's (src/unicode_rules.c); Python's unicodedata stands in
# for ICU here. Where the two can differ the model says None (unknown):
# - Python's Unicode may be older than the server's ICU (3.11: 14.0; ICU 72:
#   15.0), so a character Python calls unassigned (Cn) may be assigned there;
# - ICU's spoof checker (mixed scripts, mixed digits, repeated or hidden
#   marks) has no Python counterpart, so a non-ASCII email that passes
#   every other rule is unknown.
# Default_Ignorable_Code_Point, which unicodedata lacks, is spelled out from
# its definition: every Cf, the variation selectors, and the characters of
# Other_Default_Ignorable_Code_Point that are assigned (the rest are Cn).

VARIATION_SELECTORS = [(0x180B, 0x180D), (0x180F, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF)]
OTHER_DEFAULT_IGNORABLE = [(0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x3164, 0x3164),
                           (0xFFA0, 0xFFA0)]
INKLESS = {"\u2800"}  # BRAILLE PATTERN BLANK: no property covers it; it reads as a space


def in_ranges(o, ranges):
    return any(lo <= o <= hi for lo, hi in ranges)


def is_unassigned(c):
    """Unassigned in Python's Unicode, and not a noncharacter (which no
    Unicode will assign)."""
    o = ord(c)
    return o >= 0x80 and unicodedata.category(c) == "Cn" and \
        not (0xFDD0 <= o <= 0xFDEF or (o & 0xFFFE) == 0xFFFE)


def is_invisible(c):
    """README: Default_Ignorable_Code_Point, Bidi_Control, Cf, Co, Cn. They
    are refused in emails, and are not enough to make a text non-blank.
    Bidi_Control is all Cf."""
    o = ord(c)
    return o >= 0x80 and (unicodedata.category(c) in ("Cf", "Co", "Cn") or
                          in_ranges(o, VARIATION_SELECTORS) or in_ranges(o, OTHER_DEFAULT_IGNORABLE))


def is_space(c):
    """White_Space (str.isspace beyond the controls) or a glyph with no ink."""
    return c.isspace() or c in INKLESS


def model_email_ok(s):
    """The email as the service checks it: normalized to NFC first. (NFC
    turns no character into a control, space or invisible one, or back.)"""
    if any(is_control(c) or is_space(c) or (is_invisible(c) and not is_unassigned(c)) for c in s):
        return False
    if any(is_unassigned(c) for c in s):
        return None  # refused as invisible by ICU if still unassigned there
    s = unicodedata.normalize("NFC", s)
    if not s or len(s) > 254 or s.count("@") != 1:
        return False
    local, dom = s.split("@")
    if not local or len(local) > 64:
        return False
    if "." not in dom or dom.startswith(".") or dom.endswith(".") or ".." in dom:
        return False
    if s.isascii():
        return True
    if unicodedata.normalize("NFKC", s) != s:
        return False  # compatibility characters (fullwidth letters, ligatures)
    return None  # the spoof checker decides


def model_text_ok(s, lo, hi, multiline=False):
    if len(s) < lo or len(s) > hi:
        return False
    for c in s:
        if is_control(c) and not (multiline and c in "\t\n\r"):
            return False
    if lo > 0:
        if any(not (is_space(c) or is_control(c) or is_invisible(c)) for c in s):
            return True
        if any(is_unassigned(c) for c in s):
            return None  # blank unless ICU knows the character
        return False
    return True


def model_password_ok(s):
    return 8 <= len(s) <= 128


def model_name_ok(s):
    return model_text_ok(s, 1, 100)



# --------------------------------------------------------------------------
# A Python model of the 1.3 token and claim rules (src/claims.c, token.c)
# --------------------------------------------------------------------------

def json_loads(text, **kw):
    """json.loads, also of a document nested deeper than Python's recursion
    limit (jsonb takes thousands of levels): then in a thread with a large
    stack and a high limit."""
    try:
        return json.loads(text, **kw)
    except RecursionError:
        pass
    out = {}

    def work():
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(100000)
        try:
            out["value"] = json.loads(text, **kw)
        except Exception as e:  # noqa: BLE001 - raised again below
            out["error"] = e
        finally:
            sys.setrecursionlimit(old)

    threading.stack_size(512 * 1024 * 1024)
    try:
        t = threading.Thread(target=work)
        t.start()
        t.join()
    finally:
        threading.stack_size(0)
    if "error" in out:
        raise out["error"]
    return out["value"]


class Num:
    """A JSON number as its text: jsonb keeps it as a numeric."""
    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw

    def dec(self):
        return decimal.Decimal(self.raw)

    def float(self):
        # numeric_float8_no_overflow: strtod of the value, inf when too large
        return float(decimal.Decimal(self.raw))

    def __repr__(self):
        return self.raw


class _BadJSON(Exception):
    pass


def _no_constant(name):
    raise _BadJSON(name)  # NaN, Infinity: not JSON


def _depth_ok(b):
    """claims.c depth_ok: brackets outside strings, at most 16 deep."""
    depth, in_string, i, n = 0, False, 0, len(b)
    while i < n:
        c = b[i]
        if in_string:
            if c == 0x5C:
                i += 1
            elif c == 0x22:
                in_string = False
        elif c == 0x22:
            in_string = True
        elif c in (0x7B, 0x5B):
            depth += 1
            if depth > 16:
                return False
        elif c in (0x7D, 0x5D):
            depth -= 1
        i += 1
    return True


def _strings_ok(v):
    """The server's lexer (need_escapes) refuses \\u0000 and lone surrogates."""
    if isinstance(v, str):
        return "\x00" not in v and not any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, dict):
        return all(_strings_ok(k) and _strings_ok(x) for k, x in v.items())
    if isinstance(v, list):
        return all(_strings_ok(x) for x in v)
    return True


def pg_json_object(data):
    """us_json_object_parse: the object the server reads from these bytes, or
    None when it refuses them (empty, over 8192 bytes, not UTF-8, deeper than
    16, not JSON, a number over 64 characters or with a 4-digit exponent, an
    escape jsonb refuses, not an object). Duplicate keys: the last one wins,
    in jsonb as in a Python dict."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if not data or len(data) > 8192:
        return None
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in s or not _depth_ok(data):
        return None
    bad = []

    def number(raw):
        if len(raw) > 64:
            bad.append(raw)
        m = re.search(r"[eE]([+-]?)(.*)$", raw)
        if m and len(m.group(2)) > 3:
            bad.append(raw)
        return Num(raw)

    def members(pairs):
        # every member, also one a later duplicate key replaces: the lexer
        # reads them all
        if not all(_strings_ok(k) and _strings_ok(v) for k, v in pairs):
            bad.append(pairs)
        return dict(pairs)

    try:
        obj = json.loads(s, parse_int=number, parse_float=number, parse_constant=_no_constant,
                         object_pairs_hook=members)
    except (ValueError, _BadJSON, RecursionError):
        return None
    if bad or not isinstance(obj, dict):
        return None
    return obj


MAX_TIME = 253402300799.0   # US_CLAIMS_MAX_TIME, the year 9999
CLAIMS_SKEW = 30            # request.jwt.claims, as PostgREST; verify_token: 0
EDGE = 3.0                  # seconds around a time limit where the model abstains


def number_of(v):
    """token.c number_of: a finite double, or None."""
    if not isinstance(v, Num):
        return None
    f = v.float()
    return f if math.isfinite(f) else None


def parse_sub(obj):
    """us_claims_sub: (ok, present, id). A positive int64, as a JSON integer
    (what numeric_out prints: no fraction digits, so 1e3 is 1000 but 1.0 is
    not) or a string of 1..23 ASCII digits (leading zeros allowed)."""
    if "sub" not in obj:
        return True, False, None
    v = obj["sub"]
    if isinstance(v, str):
        b = v.encode("utf-8")
        if not 0 < len(b) < 24 or not all(0x30 <= c <= 0x39 for c in b):
            return False, True, None
        n = int(b)
    elif isinstance(v, Num):
        d = v.dec()
        if not d.is_finite() or -d.as_tuple().exponent > 0:
            return False, True, None
        n = int(d)
        if len(str(n)) >= 24:
            return False, True, None
    else:
        return False, True, None
    if n <= 0 or n > 2**63 - 1:
        return False, True, None
    return True, True, n


def check_claims(obj, now, skew):
    """us_claims_check: ('ok', info), ('bad', why) or ('unknown', why) when
    a time is too close to its limit to tell. Every refusal is the same
    28000, so the order of the checks does not matter here."""
    bad, unknown = [], []
    if "exp" not in obj:
        bad.append("no exp")
    else:
        t = number_of(obj["exp"])
        v = obj["exp"]
        # whole digit for digit: a double would round .0000001 away
        whole = isinstance(v, Num) and v.dec().is_finite() and v.dec() == v.dec().to_integral_value()
        if t is None or not 0 <= t <= MAX_TIME or not whole:
            bad.append("exp not a time in whole seconds")
        elif abs(t - (now - skew)) < EDGE:
            unknown.append("exp at the edge")
        elif not t > now - skew:
            bad.append("expired")
    if "nbf" in obj:
        t = number_of(obj["nbf"])
        if t is None or not 0 <= t <= MAX_TIME:
            bad.append("nbf not a time")
        elif abs(t - (now + skew)) < EDGE:
            unknown.append("nbf at the edge")
        elif t > now + skew:
            bad.append("not valid yet")
    if "iat" in obj:
        t = number_of(obj["iat"])
        if t is None or not 0 <= t <= MAX_TIME:
            bad.append("iat not a time")
    ok, has_sub, sub = parse_sub(obj)
    if not ok:
        bad.append("sub not a user id")
    info = {"has_sub": has_sub and ok, "sub": sub, "has_tv": "tv" in obj, "tv": None}
    if "tv" in obj:
        v = obj["tv"]
        info["tv"] = number_of(v)
        # whole digit for digit, as exp (1.0000000000000001 is no token version)
        if info["tv"] is None or not (v.dec().is_finite() and v.dec() == v.dec().to_integral_value()):
            bad.append("tv not a number")
    if bad:
        return "bad", bad[0]
    if unknown:
        return "unknown", unknown[0]
    return "ok", info


def revoked(state, tv, as_admin):
    """us_check_not_revoked: why the claims of this user are refused, or None.
    state: (is_active, role, token_version) of the user, None when gone."""
    if state is None:
        return "user gone"
    active, role, version = state[:3]
    if not active:
        return "user inactive"
    if as_admin and role != "admin":
        return "no longer an admin"
    if tv is None or tv != float(version):
        return "tv is not the token_version"
    return None


B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_strict(part):
    """us_b64url_decode: the bytes, or None. The alphabet only, no padding,
    no length that is 1 mod 4, no stray bits (libsodium refuses them)."""
    if not B64URL.fullmatch(part) or len(part) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except ValueError:
        return None
    return raw if b64u(raw) == part else None


def token_payload(tok):
    """The object a token's payload holds, or None (for pre-reading its sub)."""
    if not isinstance(tok, str):
        return None
    parts = tok.split(".")
    if len(parts) != 3:
        return None
    raw = b64url_strict(parts[1])
    return pg_json_object(raw) if raw is not None else None


def model_verify(tok, ring, now, users):
    """verify_token for an admin: ('ok', claims), ('bad', why) or
    ('unknown', why). ring: [(kid, secret bytes)] of the keys that sign or
    verify; users: id -> (is_active, role, token_version)."""
    b = tok.encode("utf-8")
    if len(b) > 16384:
        return "bad", "longer than 16384 bytes"
    parts = b.split(b".")
    if len(parts) != 3 or not all(parts):
        return "bad", "not three parts"
    try:
        h, p, s = (x.decode("ascii") for x in parts)
    except UnicodeDecodeError:
        return "bad", "not base64url"
    if len(h) > 16384 or len(p) > 16384:
        return "bad", "part too long"
    raw = b64url_strict(h)
    header = pg_json_object(raw) if raw is not None else None
    if header is None:
        return "bad", "header not base64url JSON"
    if header.get("alg") != "HS256":
        return "bad", "alg not HS256"
    if "crit" in header:
        return "bad", "crit"
    sig = b64url_strict(s) if len(s) == 43 else None
    if sig is None or len(sig) != 32:
        return "bad", "signature not 32 bytes"
    msg = (h + "." + p).encode()
    if "kid" in header:
        kid = header["kid"]
        if not isinstance(kid, str):
            return "bad", "kid not a string"
        keys = [sec for k, sec in ring if k == kid]
        if not keys:
            return "bad", "unknown or retired kid"
    else:
        keys = [sec for _, sec in ring]
    if not any(hmac.compare_digest(hmac.new(k, msg, hashlib.sha256).digest(), sig) for k in keys):
        return "bad", "signature"
    raw = b64url_strict(p)
    claims = pg_json_object(raw) if raw is not None else None
    if claims is None:
        return "bad", "claims not base64url JSON"
    verdict, info = check_claims(claims, now, 0)
    if verdict != "ok":
        return verdict, info
    if not info["has_sub"]:
        return "bad", "names no user"
    why = revoked(users.get(info["sub"]), info["tv"] if info["has_tv"] else None,
                  claims.get("role") == "userservice_admin")
    if why:
        return "bad", "revoked: " + why
    return "ok", claims


# --------------------------------------------------------------------------
# The fuzzer
# --------------------------------------------------------------------------

class Call:
    """One call: the SQL, its parameters, their types, and the context."""

    def __init__(self, fn, args, context, sql=None, expect=None):
        self.fn = fn
        self.args = args            # list of (name, value, sqltype); value None is NULL
        self.context = context      # (role or None, claims text or None)
        self.sql = sql
        self.expect = expect        # callable(call, rows, error) -> oracle message or None
        self.caller = None          # the model's verdict on the caller, once judged
        self.throttle_key = None    # the email key the call reserves an attempt on
        self.right = None           # login/change_password: is the password right?
        self.must = None            # a scenario's own demand: sqlstate or "ok"
        self.headers = None         # request.headers, as PostgREST sets them

    def arg(self, name, default=None):
        for n, v, _ in self.args:
            if n == name:
                return v
        return default

    def has_arg(self, name):
        return any(n == name for n, _, _ in self.args)


class Pre:
    """What the model reads before a call: the users, posts and emails it names."""

    def __init__(self):
        self.now = time.time()
        self.users = {}     # id -> (is_active, role, token_version, email, lower(email), hashed_password)
        self.posts = {}     # id -> author_id
        self.emails = {}    # email text -> (folded key text, id or None)


NOPASS = "\x00no password verifies"   # an imported hash of no known password
UNKNOWN = None

E = lambda state, why: ("err", state, why)
OK = lambda why: ("ok", None, why)

# Functions that write: a failed call of one must leave every table as it was.
WRITERS = {"create_user", "update_user", "delete_user", "login", "change_password", "logout_all",
           "create_post", "update_post", "delete_post", "import_users", "unlock_user",
           "create_signing_key", "retire_signing_key"}

FINGERPRINT_SQL = """
SELECT (SELECT concat_ws(',', count(*), sum(version), sum(token_version), count(*) FILTER (WHERE is_active),
                         sum(hashtext(email || hashed_password || display_name || role)), max(updated_at))
          FROM userservice.users),
       (SELECT concat_ws(',', count(*), sum(hashtext(title || body)), max(updated_at)) FROM userservice.posts),
       (SELECT concat_ws(',', count(*), string_agg(kid || state, ',' ORDER BY kid)) FROM userservice.signing_keys),
       (SELECT concat_ws(',', count(*), sum(failures), sum(hashtext(coalesce(trusted_until::text, ''))))
          FROM userservice.login_throttle)"""


def page_error(call, size_arg="page_size"):
    size = call.arg(size_arg)
    skip = call.arg("skip")
    if size is not None and not 1 <= size <= 1000:
        return E("22023", "page_size out of 1..1000")
    if skip is not None and skip < 0:
        return E("22023", "negative skip")
    return None


class Fuzzer:
    def __init__(self, opts):
        self.o = opts
        self.rng = random.Random(opts.seed)
        self.stats = {"calls": 0, "ok": 0, "documented": 0, "input_rejected": 0,
                      "failures": 0, "oracle": 0, "hashes": 0, "txn_scenarios": 0}
        self.by_state = {}
        self.counts = {"login_ok": 0, "login_wrong_ok": 0, "verify_ok": 0, "verify_crafted_ok": 0,
                       "verify_refused": 0, "claims_ok": 0, "claims_refused": 0, "judged": 0,
                       "fingerprints": 0, "lockouts": 0, "legacy": 0, "no_key": 0, "upgrades": 0,
                       "key_rollback": 0, "pg_logged": 0}
        self.login_states = {}
        self.verify_why = {}    # the model's reasons for refusing the tokens it judged
        self.failures = []
        self.oracles = []
        self.conn = None
        self.accounts = {}      # id -> [email, password, role]: accounts to act as
        self.pw_of = {}         # id -> the password (or NOPASS) of every user the fuzzer made
        self.tokens = []
        self.issued = set()     # tokens login gave out
        self.post_ids = []
        self.deleted_ids = []
        self.keys = {}          # kid -> {"secret": bytes or None, "state": ..., "omit_kid": bool}
        self.old_secrets = []   # secrets of keys retired since
        self.kid = None         # the key the fuzzer created with SECRET
        self.key_creates = 0
        self.limit = LOGIN_MAX_FAILURES
        self.import_bounds = None   # (memory kB, iterations) import_users accepts at most
        self.throttle = {}      # email key (bytes) -> [failures as stored, window start]
        self.resync = set()     # keys whose window ends too close to tell
        self.in_txn = False
        self.txn_locked = set()  # keys whose rows this transaction cleared (and so locks)
        self.no_key = False
        self.fold_cache = {}
        self.n_repro = 0
        self.log_pos = 0
        self.known_hits = {}
        self.scenario_runs = 0
        self.scenario_counts = {}
        self.mem_warm = None
        self.secret_marks = []

    # -- connection -------------------------------------------------------
    def connect(self):
        self.conn = psycopg2.connect(host=self.o.host, port=self.o.port, dbname=self.o.dbname,
                                     user=self.o.user, application_name="fuzz_sql")
        self.conn.autocommit = True
        with self.conn.cursor() as c:
            c.execute("LOAD 'userservice'")   # its settings exist from now on
            # 1.3 ignores userservice.jwt_secret: keys live in userservice.signing_keys
            c.execute("SET userservice.login_max_failures = %d" % self.limit)
            c.execute("SET userservice.login_window = %d" % LOGIN_WINDOW)
            # import_users' cost bounds: the settings, 0 meaning the current cost
            c.execute("SELECT name, setting::int FROM pg_settings WHERE name IN ("
                      "'userservice.import_max_hash_memory', 'userservice.import_max_hash_iterations',"
                      " 'userservice.password_hash_memory', 'userservice.password_hash_iterations')")
            st = {n.split(".")[1]: v for n, v in c.fetchall()}
            self.default_import_bounds = (st["import_max_hash_memory"] or st["password_hash_memory"],
                                          st["import_max_hash_iterations"] or st["password_hash_iterations"])
            self.import_settings = (st["import_max_hash_memory"], st["import_max_hash_iterations"])
            self.import_bounds = self.default_import_bounds   # a new session has the defaults
            c.execute("SET userservice.login_address_header = ''")   # no client address is known
            c.execute("SET statement_timeout = %s", ("%ds" % self.o.timeout,))
            c.execute("SET client_min_messages = error")
            c.execute("SELECT pg_backend_pid(), pg_postmaster_start_time()")
            self.backend_pid, self.postmaster_start = c.fetchone()

    def scalar(self, sql, params=()):
        with self.conn.cursor() as c:
            c.execute(sql, params)
            return c.fetchone()[0]

    def query(self, sql, params=()):
        """An oracle's own read, as the superuser, inside the current
        transaction when there is one (in a savepoint, as the superuser)."""
        with self.conn.cursor() as c:
            if self.in_txn:
                c.execute("SAVEPOINT o; SELECT set_config('role', 'none', true)")
            try:
                c.execute(sql, params)
                rows = c.fetchall() if c.description else []
            except psycopg2.Error:
                if self.in_txn:
                    c.execute("ROLLBACK TO SAVEPOINT o")
                raise
            if self.in_txn:
                c.execute("RELEASE SAVEPOINT o")
            return rows

    def set_limit(self, n):
        self.limit = n
        with self.conn.cursor() as c:
            c.execute("SET userservice.login_max_failures = %d" % n)

    def set_import_bounds(self, memory_kb, iterations):
        """SET both bounds; (None, None) puts the defaults back."""
        if memory_kb is None:
            memory_kb, iterations = self.import_settings
            self.import_bounds = self.default_import_bounds
        else:
            self.import_bounds = (memory_kb, iterations)
        with self.conn.cursor() as c:
            c.execute("SET userservice.import_max_hash_memory = %d" % memory_kb)
            c.execute("SET userservice.import_max_hash_iterations = %d" % iterations)

    # -- setup ------------------------------------------------------------
    def setup(self):
        self.connect()
        with self.conn.cursor() as c:
            if self.o.fresh:
                c.execute("DROP EXTENSION IF EXISTS userservice CASCADE")
            c.execute("CREATE EXTENSION IF NOT EXISTS userservice")
            c.execute("SELECT extversion FROM pg_extension WHERE extname = 'userservice'")
            self.extversion = c.fetchone()[0]
            for role, how in ((MEMBER_ROLE, "IN ROLE userservice_user"), (PLAIN_ROLE, ""),
                              (NOINHERIT_ROLE, "NOINHERIT IN ROLE userservice_admin"),
                              (TRUSTED_ROLE, "IN ROLE userservice_trusted")):
                c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                if not c.fetchone():
                    c.execute("CREATE ROLE %s NOLOGIN %s" % (role, how))
            for role in (PLAIN_ROLE, NOINHERIT_ROLE):
                c.execute("GRANT USAGE ON SCHEMA userservice TO %s" % role)
                c.execute("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA userservice TO %s" % role)
            c.execute("GRANT EXECUTE ON FUNCTION userservice.create_signing_key(text, text),"
                      " userservice.retire_signing_key(text), userservice.jwks(boolean) TO %s" % TRUSTED_ROLE)
            c.execute("SELECT userservice.create_signing_key('HS256', %s)", (SECRET,))
            self.kid = c.fetchone()[0]
        self.load_keys()
        self.check_grants()
        if self.o.server_log and os.path.exists(self.o.server_log):
            self.log_pos = os.path.getsize(self.o.server_log)
        self.replenish()
        with self.conn.cursor() as c:
            c.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
            self.mem_start = c.fetchone()[0]

    def check_grants(self):
        """The GRANTs in the database are the ones the model assumes, and no
        role but the owner reads a table of the extension."""
        for role in ROLES + FUZZ_ROLES + [TRUSTED]:
            for table in ("signing_keys", "login_throttle", "users", "posts"):
                with self.conn.cursor() as c:
                    try:
                        c.execute("BEGIN; SET LOCAL ROLE %s; SELECT count(*) FROM userservice.%s" % (role, table))
                        self.oracles.append(("grants", "role %s reads userservice.%s" % (role, table), None))
                        print("=== ORACLE (grants): role %s reads userservice.%s" % (role, table), flush=True)
                    except psycopg2.Error as e:
                        if e.pgcode != "42501":
                            self.oracles.append(("grants", "role %s reading userservice.%s: %s" % (role, table, e.pgcode), None))
                    finally:
                        self.conn.rollback() if not self.conn.autocommit else c.execute("ROLLBACK")
        rows = self.query("SELECT p.proname, p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                          " WHERE n.nspname = 'userservice'")
        oids = {name: oid for name, oid in rows}
        for fn in GENERATORS:
            if fn not in oids:
                self.oracles.append(("grants", "function userservice.%s does not exist" % fn, None))
                continue
            for role in ROLES + FUZZ_ROLES + [TRUSTED]:
                has = self.query("SELECT has_function_privilege(%s, %s, 'EXECUTE')", (role, oids[fn]))[0][0]
                if has != may_execute(role, fn):
                    self.oracles.append(("grants", "%s %s EXECUTE on %s, the model says the opposite" % (
                        role, "has" if has else "lacks", fn), None))

    def load_keys(self):
        rows = self.query("SELECT kid, secret, state, omit_kid FROM userservice.signing_keys")
        old = self.keys
        self.keys = {kid: {"secret": bytes(sec) if sec is not None else None, "state": st, "omit_kid": om}
                     for kid, sec, st, om in rows}
        for kid, k in old.items():
            if k["secret"] and (kid not in self.keys or self.keys[kid]["secret"] is None) \
                    and k["secret"] not in self.old_secrets:
                self.old_secrets.append(k["secret"])
        self.secret_marks = []
        for sec in [k["secret"] for k in self.keys.values() if k["secret"]] + self.old_secrets:
            self.secret_marks += [b64u(sec), base64.b64encode(sec).decode().rstrip("="), sec.hex()]
            try:
                text = sec.decode("utf-8")
                if len(set(text)) >= 10:   # "é" * 16 is a secret too, but also a fine title
                    self.secret_marks.append(text)
            except UnicodeDecodeError:
                pass

    def ring(self):
        """(kid, secret) of every key that signs or verifies, as the server's keyring."""
        if self.no_key:
            return []
        return [(kid, k["secret"]) for kid, k in self.keys.items() if k["state"] != "retired"]

    def signing_key(self):
        for kid, k in self.keys.items():
            if k["state"] == "signing":
                return kid, k
        return None, None

    def primary_secret(self):
        k = self.keys.get(self.kid)
        return k["secret"] if k and k["secret"] else SECRET.encode()

    # -- reads for the model ------------------------------------------------
    def user_states(self, ids):
        ids = [i for i in ids if isinstance(i, int) and -2**63 <= i < 2**63]
        if not ids:
            return {}
        rows = self.query('SELECT id, is_active, role, token_version, email, lower(email COLLATE "und-x-icu"),'
                          ' hashed_password FROM userservice.users WHERE id = ANY(%s::bigint[])', (ids,))
        return {r[0]: tuple(r[1:]) for r in rows}

    def fold(self, email):
        """The text login's throttle hashes: lower(NFC(email)) under ICU's root
        collation, as src/login_throttle.c folds it (the same fold as the
        unique index on users)."""
        if email not in self.fold_cache:
            if len(self.fold_cache) > 5000:
                self.fold_cache.clear()
            self.fold_cache[email] = self.query('SELECT lower(normalize(%s, NFC) COLLATE "und-x-icu")', (email,))[0][0]
        return self.fold_cache[email]

    @staticmethod
    def email_key(folded):
        return hashlib.blake2b(folded.encode("utf-8"), digest_size=16).digest()

    @staticmethod
    def user_key(uid):
        """change_password's budget: keyed by the user id, apart from every
        email's (login_throttle_attempt_for_user)."""
        return hashlib.blake2b(str(uid).encode(), digest_size=16, key=b"userservice change_password").digest()

    def lookup_email(self, email):
        """(folded, user id or None) for an email as login and get_user_by_email find it."""
        folded = self.fold(email)
        rows = self.query('SELECT id FROM userservice.users WHERE lower(email COLLATE "und-x-icu") = %s', (folded,))
        return folded, (rows[0][0] if rows else None)

    def prestate(self, call):
        """Read what the model needs to judge call, just before it runs."""
        pre = Pre()
        ids = set()
        role, claims = call.context
        if claims:
            obj = pg_json_object(claims)
            if obj is not None:
                ok, present, sub = parse_sub(obj)
                if ok and present:
                    ids.add(sub)
        for name in ("user_id", "author_id"):
            v = call.arg(name)
            if isinstance(v, int):
                ids.add(v)
        if call.fn == "verify_token":
            obj = token_payload(call.arg("token"))
            if obj is not None:
                ok, present, sub = parse_sub(obj)
                if ok and present:
                    ids.add(sub)
        for name in ("email",):
            v = call.arg(name)
            if isinstance(v, str) and call.fn in ("login", "get_user_by_email", "login_attempts"):
                pre.emails[v] = self.lookup_email(v)
                if pre.emails[v][1] is not None:
                    ids.add(pre.emails[v][1])
        pre.users = self.user_states(ids)
        pid = call.arg("post_id")
        if isinstance(pid, int) and call.fn in ("get_post", "update_post", "delete_post"):
            rows = self.query("SELECT id, author_id FROM userservice.posts WHERE id = %s", (pid,))
            pre.posts = {r[0]: r[1] for r in rows}
        pre.now = time.time()
        return pre

    # -- the login throttle, as the model sees it -----------------------------
    def t_count(self, key, now):
        """Failures counted on key in the current window; None when the window
        ends too close to now to tell."""
        e = self.throttle.get(key)
        if e is None:
            return 0
        end = e[1] + LOGIN_WINDOW
        if now >= end + EDGE:
            return 0
        if now > end - EDGE:
            return None
        return e[0]

    def t_reserve(self, key, now):
        e = self.throttle.get(key)
        if e is None or now >= e[1] + LOGIN_WINDOW:
            self.throttle[key] = [1, now]
        else:
            e[0] += 1

    def t_give_back(self, key):
        e = self.throttle.get(key)
        if e:
            e[0] = max(e[0] - 1, 0)

    def t_clear(self, key):
        """unlock_user, an admin's password patch: every count of the email to 0."""
        e = self.throttle.get(key)
        if e and e[0] > 0:
            if self.in_txn:
                self.txn_locked.add(key)   # the rows stay locked until the transaction ends
            e[0] = 0

    def t_resync(self, key):
        rows = self.query("SELECT failures, extract(epoch FROM window_start) FROM userservice.login_throttle"
                          " WHERE email_key = %s AND address = ''", (key,))
        if rows:
            self.throttle[key] = [rows[0][0], float(rows[0][1])]
        else:
            self.throttle.pop(key, None)

    def check_throttle_model(self):
        """The model's counts are the table's (outside any transaction)."""
        rows = self.query("SELECT email_key, failures, address FROM userservice.login_throttle")
        table = {}
        for key, failures, address in rows:
            if address != "":
                self.oracles.append(("login_throttle", "a row for address %r although no address is ever known"
                                     % address, None))
            else:
                table[bytes(key)] = failures
        for key, e in list(self.throttle.items()):
            if key in self.resync:
                continue
            if table.get(key, 0) != e[0]:
                self.oracles.append(("login_throttle", "the model counts %d failures for email key %s, the table %d"
                                     % (e[0], key.hex(), table.get(key, 0)), None))
                print("=== ORACLE (throttle): email key %s: model %d, table %d" % (key.hex(), e[0], table.get(key, 0)),
                      flush=True)
                self.t_resync(key)
        for key in list(self.resync):
            self.t_resync(key)
        self.resync.clear()

    def password_right(self, uid, active, pw):
        """True, False, or None when the model does not know the password."""
        if uid is None or not active:
            return False
        known = self.pw_of.get(uid, UNKNOWN)
        if known is UNKNOWN:
            return None
        return known == pw

    def replenish(self):
        """Keep a few active accounts whose passwords we know, one of them an
        admin, tokens and posts."""
        states = self.user_states(list(self.accounts))
        for uid in list(self.accounts):
            st = states.get(uid)
            if st is None:
                self.accounts.pop(uid)
            else:
                self.accounts[uid][0] = st[3]
                self.accounts[uid][2] = st[1]
        usable = [u for u in self.accounts if states.get(u, (False,))[0] and isinstance(self.pw_of.get(u), str)]
        with self.conn.cursor() as c:
            while len(usable) < 4:
                email = valid_email(self.rng, "acct")
                pw = "pw-" + ascii_word(self.rng, 8, 12)
                c.execute("SELECT id FROM userservice.create_user(%s, %s, %s)", (email, pw, "Acct"))
                uid = c.fetchone()[0]
                self.stats["hashes"] += 1
                self.pw_of[uid] = pw
                self.accounts[uid] = [email, pw, "user"]
                usable.append(uid)
                key = self.email_key(self.fold(email))
                c.execute("SELECT access_token FROM userservice.login(%s, %s)", (email, pw))
                tok = c.fetchone()[0]
                self.t_reserve(key, time.time())
                self.t_give_back(key)
                self.tokens.append(tok)
                self.issued.add(tok)
                self.stats["hashes"] += 1
                for _ in range(2):
                    c.execute("SELECT id FROM userservice.create_post(%s, %s, %s)",
                              (uid, "post " + ascii_word(self.rng), "body"))
                    self.post_ids.append(c.fetchone()[0])
            states = self.user_states(usable)
            if not any(states[u][1] == "admin" for u in usable):
                uid = usable[0]
                c.execute("SELECT role FROM userservice.update_user(%s, '{\"role\":\"admin\"}')", (uid,))
                self.accounts[uid][2] = c.fetchone()[0]
        self.tokens = self.tokens[-20:]
        self.post_ids = self.post_ids[-50:]

    # -- argument pools -----------------------------------------------------
    def user_id(self):
        r = self.rng.random()
        if r < 0.5 and self.accounts:
            return self.rng.choice(list(self.accounts))
        if r < 0.6 and self.deleted_ids:
            return self.rng.choice(self.deleted_ids)
        if r < 0.65:
            return None
        return self.rng.choice([0, -1, 1, 2, 2**63 - 1, -2**63, self.rng.randint(-10**6, 10**6)])

    def post_id(self):
        r = self.rng.random()
        if r < 0.6 and self.post_ids:
            return self.rng.choice(self.post_ids)
        if r < 0.65:
            return None
        return self.rng.choice([0, -1, 2**63 - 1, -2**63, self.rng.randint(-10**4, 10**4)])

    def page_size(self):
        return self.rng.choice([None, 1, 20, 1000, 0, -1, 1001, 2**31 - 1, -2**31, 5])

    def skip(self):
        return self.rng.choice([None, 0, 1, -1, 2**63 - 1, -2**63, 3])

    def known_emails(self):
        return [a[0] for a in self.accounts.values()]

    def usable_account(self, admin=None):
        """An active account whose password the model knows (admin: of that role)."""
        states = self.user_states(list(self.accounts))
        ids = [u for u, st in states.items() if st[0] and isinstance(self.pw_of.get(u), str)
               and (admin is None or (st[1] == "admin") == admin)]
        return self.rng.choice(ids) if ids else None

    def claims_for(self, uid, st, role, exact=False):
        """Claims of a real account, mostly exactly right, sometimes with one
        field changed to a shape the strict rules accept or refuse."""
        rng = self.rng
        now = int(time.time())
        tv = st[2] if st else 1
        fields = {"sub": '"%d"' % uid, "role": json.dumps(role or "postgres"), "iat": str(now),
                  "exp": str(now + 3600), "tv": str(tv)}
        if not exact and rng.random() < 0.3:
            k, v = rng.choice([
                ("tv", str(tv - 1)), ("tv", str(tv + 1)), ("tv", None), ("tv", '"%d"' % tv), ("tv", "%d.0" % tv),
                ("tv", "1e308"), ("tv", "null"), ("tv", "%de0" % tv),
                ("exp", None), ("exp", "%d.5" % (now + 3600)), ("exp", str(now - 10)), ("exp", str(now - 100)),
                ("exp", '"%d"' % (now + 3600)), ("exp", "1e308"), ("exp", "%d.0" % (now + 3600)),
                ("exp", "253402300800"), ("exp", "253402300799"), ("exp", "-1"), ("exp", "1e999"),
                ("exp", "%d.0000001" % (now + 3600)),   # a fraction a double rounds away: refused
                ("nbf", str(now + 3600)), ("nbf", str(now + 10)), ("nbf", '"x"'), ("nbf", str(now - 10)),
                ("nbf", "-1"), ("nbf", "%d.25" % now),
                ("iat", '"%d"' % now), ("iat", "-1"), ("iat", "1e999"), ("iat", "%d.5" % now), ("iat", None),
                ("sub", str(uid)), ("sub", '"0%d"' % uid), ("sub", '" %d"' % uid), ("sub", "%d.0" % uid),
                ("sub", "%de0" % uid), ("sub", None), ("sub", "null"), ("sub", '"%d"' % (uid + 10**6)),
                ("sub", '"%d "' % uid), ("sub", '"+%d"' % uid), ("sub", '["%d"]' % uid),
                ("role", '"userservice_admin"'), ("role", "7"), ("aud", '"x"'), ("extra", '{"nested":[1,2]}')])
            if v is None:
                fields.pop(k, None)
            else:
                fields[k] = v
        text = ",".join('"%s":%s' % kv for kv in fields.items())
        if not exact and rng.random() < 0.05:
            text = '"tv":0,"sub":"0",' + text   # duplicate keys: the last one wins
        return "{" + text + "}"

    def context(self, fn=None):
        """(role, claims): who calls. role None is the superuser (trusted).
        Mostly a role that may call fn, sometimes any role."""
        rng = self.rng
        r = rng.random()
        roles = [None] + ROLES + FUZZ_ROLES + [TRUSTED]
        if fn in GRANTS and rng.random() < 0.7:
            roles = [None, TRUSTED_ROLE, rng.choice([TRUSTED_ROLE, TRUSTED])] + GRANTS[fn] + ([MEMBER_ROLE] if USER in GRANTS[fn] else [])
        role = rng.choice(roles)
        ids = list(self.accounts)
        if r < 0.55 and ids:
            uid = rng.choice(ids)
            st = self.user_states([uid]).get(uid)
            if role in (None, TRUSTED_ROLE, TRUSTED, USER, ADMIN, MEMBER_ROLE) and rng.random() < 0.6:
                if st and st[1] == "admin":
                    role = ADMIN if rng.random() < 0.9 else USER
                else:
                    role = rng.choice([USER, MEMBER_ROLE]) if rng.random() < 0.9 else ADMIN
            claims = self.claims_for(uid, st, role)
        elif r < 0.60 and self.deleted_ids:
            uid = rng.choice(self.deleted_ids)
            claims = self.claims_for(uid, None, role)
        elif r < 0.75:
            claims = None
        elif r < 0.87:
            claims = self.claims_object(ids)
        elif r < 0.92:
            claims = rng.choice(["", "null", "[]", "{", "not json", '{"sub":1}', '{"sub":"1"',
                                 "{\"sub\":\"1\"}" + " " * 9000, '{"a":' * 20 + "1" + "}" * 20,
                                 '{"sub":"\\u0000"}', '{"tv":1e1000}', '{"tv":1e999,"sub":"1"}',
                                 '{"exp":%d}' % (time.time() + 3600), '{"exp":%d,"role":"userservice_admin"}' % (time.time() + 3600)])
        else:
            claims = maybe_broken_json(rng, json_value(rng))
        return role, claims

    def claims_object(self, known_ids, valid=False):
        rng = self.rng
        now = int(time.time())
        sub_gen = lambda r: json_str(r, str(r.choice(known_ids))) if known_ids and r.random() < 0.7 \
            else r.choice(['"0"', '"-1"', '"1e3"', '" 1"', '"01"', '"9223372036854775807"',
                           '"9223372036854775808"', '"99999999999999999999999999999999"', '1', '""',
                           'null', 'true', '["1"]', '{"id":1}', '"1\\u0000"', '"١"', '1e0', '1.0', '10e-1'])
        fields = {
            "sub": sub_gen,
            "role": lambda r: json_str(r, r.choice(ROLES + ["postgres", "", "userservice_admin "])),
            "exp": lambda r: r.choice([str(now + 3600), str(now - 10), "1e308", "-1e308", "0",
                                       '"%d"' % (now + 3600), "null", str(2**63), "1e999",
                                       "%d.5" % now, "[1]", "%d.000" % (now + 3600)]),
            "iat": lambda r: r.choice([str(now), '"%d"' % now, "1e999", "-5"]),
            "nbf": lambda r: r.choice([str(now - 10), str(now + 3600), "1e999", '"x"']),
            "tv": lambda r: r.choice(["1", "2", "1.0", "1.5", "0", "-1", '"1"', "1e308", "null",
                                      "2147483648", "1e-999"]),
            "aud": lambda r: json_str(r, r.choice(["", "api", "x" * 300])),
        }
        if valid:
            sub = rng.choice(known_ids) if known_ids else 1
            st = self.user_states([sub]).get(sub)
            role = ADMIN if st and st[1] == "admin" and rng.random() < 0.5 else USER
            return '{"sub":"%d","role":"%s","iat":%d,"exp":%d,"tv":%d}' % (
                sub, role, now, now + 3600, st[2] if st else 1)
        return json_object(rng, fields)

    # -- tokens ---------------------------------------------------------------
    def token_like(self):
        rng = self.rng
        r = rng.random()
        if r < 0.15 and self.tokens:
            return rng.choice(self.tokens)
        if r < 0.30 and self.tokens:
            return mutate_token(rng, rng.choice(self.tokens))
        # build one: header, claims and signature each right or wrong
        kids = list(self.keys)
        header = header_like(rng, [self.kid] * 3 + kids)
        if rng.random() < 0.65:
            payload = self.claims_object(list(self.accounts), valid=rng.random() < 0.6)
        else:
            payload = maybe_broken_json(rng, json_value(rng))
        h = b64u(header.encode("utf-8", "surrogatepass")) if rng.random() < 0.95 else \
            b64u(os.urandom(rng.randint(0, 40)))
        if rng.random() < 0.05:
            p = b64u(bytes(rng.randrange(256) for _ in range(rng.randint(0, 60))))  # not UTF-8
        elif rng.random() < 0.03:
            p = b64u(("{\"a\":\"" + "x" * rng.choice([8200, 20000]) + "\"}").encode())
        else:
            p = b64u(payload.encode("utf-8", "surrogatepass"))
        # the secret: the key the kid names, the fuzzer's own key, another
        # key of the ring, a retired key, or none of them
        m = re.search(r'"kid":"([0-9a-f]{32})"', header)
        named = self.keys.get(m.group(1)) if m else None
        k = rng.random()
        if named and named["secret"] and k < 0.7:
            key = named["secret"]
        elif k < 0.75:
            key = self.primary_secret()
        elif k < 0.85:
            key = rng.choice([s for _, s in self.ring()] or [SECRET.encode()])
        elif k < 0.92 and self.old_secrets:
            key = rng.choice(self.old_secrets)
        else:
            key = OTHER_SECRET.encode()
        s = sign(h, p, key) if rng.random() < 0.85 else rng.choice([
            "", "x", sign(h, p, key)[:-1], sign(h, p, key) + "A", sign(h, p, key) + "=",
            sign(h, p, key).replace("-", "+").replace("_", "/"), b64u(os.urandom(32)), b64u(os.urandom(64)),
            sign(h, p, key)[:-1] + chr(ord(sign(h, p, key)[-1]) ^ 1)])
        tok = h + "." + p + "." + s
        if rng.random() < 0.1:
            tok = mutate_token(rng, tok)
        return tok

    def malleable_token(self):
        """A token signed with the fuzzer's key whose signature has "__" before
        its last character, with those two characters replaced by one 2-byte
        character: a different token that must be refused (fixed in 412ee0e)."""
        rng = self.rng
        now = int(time.time())
        h = b64u(b'{"alg":"HS256","typ":"JWT"}')
        sub = rng.choice(list(self.accounts)) if self.accounts else 1
        st = self.user_states([sub]).get(sub)
        tv = st[2] if st else 1
        for i in range(100000):
            p = b64u(('{"sub":"%d","role":"userservice_user","exp":%d,"tv":%d}' % (sub, now + 3600 + i, tv)).encode())
            sig = sign(h, p, self.primary_secret())
            k = sig.find("__")
            if 0 <= k < 41:
                return h + "." + p + "." + sig[:k] + rng.choice(["é", "ß", "ɏ"]) + sig[k + 2:]
        return h + "." + p + "." + sig


    # -- the model of the rules ---------------------------------------------
    def verdict(self, role, claims, pre):
        """src/caller.c us_caller_current: E(...), ("unknown", None, why) or
        ("caller", info, why) with info = {kind, super, has_user, uid}."""
        kind = KIND[role]
        if kind == "none":
            return E("42501", "role %s fits no rule" % role)
        c = {"kind": kind, "super": role is None, "has_user": False, "uid": None}
        if kind != "anon" and claims:
            obj = pg_json_object(claims)
            if obj is None:
                return E("28000", "request.jwt.claims is not a JSON object the server reads")
            if kind in ("super", "trusted"):
                ok, present, sub = parse_sub(obj)
                if not ok:
                    return E("28000", "a trusted caller's sub is not a user id")
                c["has_user"], c["uid"] = present, sub
            else:
                v, info = check_claims(obj, pre.now, CLAIMS_SKEW)
                if v == "bad":
                    return E("28000", "strict claims: " + info)
                if v == "unknown":
                    return ("unknown", None, info)
                if info["has_sub"]:
                    why = revoked(pre.users.get(info["sub"]), info["tv"] if info["has_tv"] else None,
                                  kind == "admin")
                    if why:
                        return E("28000", "revoked claims: " + why)
                    c["has_user"], c["uid"] = True, info["sub"]
        if kind in ("user", "admin") and not c["has_user"]:
            return E("42501", "a %s caller without a sub" % kind)
        return ("caller", c, kind)

    def expected(self, call, pre):
        """What the rules say the call must answer: E(state, why), OK(why),
        ("errs", {states, None for success}, why), or None (the model abstains)."""
        fn, (role, claims) = call.fn, call.context
        if not may_execute(role, fn):
            return E("42501", "%s has no EXECUTE on %s" % (role, fn))
        for name in PRE_ARGS.get(fn, ()):
            if call.has_arg(name) and call.arg(name) is None:
                return E("22023", "NULL %s" % name)
        v = self.verdict(role, claims, pre)
        if v[0] != "caller":
            return v if v[0] == "err" else None
        c = call.caller = v[1]
        kind = c["kind"]
        admin = kind in ("super", "trusted", "admin")
        not_admin = None if admin else E("42501", "%s caller, admin only" % kind)

        def self_or_admin(uid):
            if admin or (kind == "user" and c["uid"] == uid):
                return None
            return E("42501", "%s caller %s on user %s" % (kind, c["uid"], uid))

        signed_in = E("42501", "anon caller") if kind == "anon" else None
        exists = lambda uid: OK("user %s exists" % uid) if uid in pre.users else E("PT404", "no user %s" % uid)

        if fn == "create_user":
            return E("42501", "a signed-in user may not sign up") if kind == "user" else None
        if fn == "get_user":
            return self_or_admin(call.arg("user_id")) or exists(call.arg("user_id"))
        if fn == "get_user_by_email":
            if not_admin:
                return not_admin
            uid = pre.emails[call.arg("email")][1]
            return OK("email of user %s" % uid) if uid is not None else E("PT404", "no such email")
        if fn == "update_user":
            if call.arg("patch") is None:
                return E("22023", "NULL patch")
            return self_or_admin(call.arg("user_id"))
        if fn == "delete_user":
            return not_admin or exists(call.arg("user_id"))
        if fn == "me":
            if not c["has_user"]:
                return E("42501", "no sub")
            return exists(c["uid"])
        if fn == "logout_all":
            uid = call.arg("user_id")
            if uid is None:
                if not c["has_user"]:
                    return E("42501", "no sub")
                uid = c["uid"]
            return self_or_admin(uid) or exists(uid)
        if fn == "list_users" or fn == "list_users_with_posts":
            return page_error(call) or not_admin or OK("admin lists")
        if fn == "check_request":
            return OK("the caller passed")
        if fn == "create_post":
            r = self_or_admin(call.arg("author_id"))
            if r:
                return r
            ok_t = model_text_ok(call.arg("title"), 1, 200)
            ok_b = model_text_ok(call.arg("body", ""), 0, 100000, True)
            if ok_t is False or ok_b is False:
                return E("22023", "title or body breaks the rules")
            if ok_t is None or ok_b is None:
                return None
            return exists(call.arg("author_id"))
        if fn == "get_post":
            return signed_in or (OK("post exists") if call.arg("post_id") in pre.posts else E("PT404", "no post"))
        if fn == "update_post":
            return signed_in
        if fn == "delete_post":
            if signed_in:
                return signed_in
            pid = call.arg("post_id")
            if pid not in pre.posts:
                return E("PT404", "no post")
            return self_or_admin(pre.posts[pid]) or OK("author or admin deletes")
        if fn == "list_posts":
            return page_error(call) or signed_in or OK("signed in")
        if fn == "import_users":
            return not_admin or self.import_refusal(call.arg("users"))
        if fn == "unlock_user":
            return not_admin or exists(call.arg("user_id"))
        if fn == "login_attempts":
            return not_admin or OK("admin reads the throttle")
        if fn == "create_signing_key":
            if call.arg("alg") is None:
                return E("22023", "NULL alg")
            if not c["super"]:
                return E("42501", "keys are for superusers")
            if call.arg("alg") != "HS256":
                return E("22023", "alg not HS256")
            sec = call.arg("secret")
            if sec is not None and not 32 <= len(sec.encode()) <= 1024:
                return E("22023", "secret of %d bytes" % len(sec.encode()))
            return OK("a superuser creates a key")
        if fn == "retire_signing_key":
            kid = call.arg("kid")
            if kid is None:
                return E("22023", "NULL kid")
            if not c["super"]:
                return E("42501", "keys are for superusers")
            k = self.keys.get(kid)
            if k is None or k["state"] == "retired" or self.no_key:
                return E("PT404", "no such key")
            if k["state"] == "signing":
                return E("22023", "the signing key")
            return OK("a verifying key retires")
        if fn == "jwks":
            return OK("a superuser reads the JWKS") if c["super"] else E("42501", "keys are for superusers")
        if fn == "verify_token":
            if not_admin:
                return not_admin
            v, why = model_verify(call.arg("token"), self.ring(), pre.now, pre.users)
            call.verify_model = v
            self.verify_why[why if v != "ok" else "ok"] = self.verify_why.get(why if v != "ok" else "ok", 0) + 1
            if v == "ok":
                return OK("a good token")
            return E("28000", why) if v == "bad" else None
        if fn == "login":
            if kind == "user":
                return E("42501", "a signed-in user may not log in")
            if self.no_key:
                return E("55000", "no signing key")
            email, pw = call.arg("email"), call.arg("password")
            if len(pw.encode()) > 1024:
                return E("22023", "a password of more than 1024 bytes")
            if len(email.encode()) > 1016:
                return E("22023", "an email of more than 1016 bytes")
            folded, uid = pre.emails[email]
            st = pre.users.get(uid)
            call.login_uid = uid
            return self.throttled(call, pre, self.email_key(folded),
                                  self.password_right(uid, st and st[0], pw))
        if fn == "change_password":
            if not c["has_user"]:
                return E("42501", "no sub")
            if not model_password_ok(call.arg("new_password")):
                return E("22023", "new_password breaks the policy")
            st = pre.users.get(c["uid"])
            if st is None:
                return E("PT404", "no user %s" % c["uid"])
            known = self.pw_of.get(c["uid"], UNKNOWN)
            right = None if known is UNKNOWN else known == call.arg("current_password")
            if len(call.arg("current_password").encode()) > 1024:
                right = "long"
            return self.throttled(call, pre, self.user_key(c["uid"]), right)
        return None

    def import_refusal(self, doc):
        """E(22023) when some element surely breaks the rules (every element
        is checked before duplicates are looked for), else None."""
        try:
            doc = json_loads(doc, parse_constant=_no_constant)
        except (ValueError, _BadJSON, RecursionError):
            return None
        if not isinstance(doc, list):
            return E("22023", "users is not an array")
        if len(doc) > 10000:
            return E("22023", "more than 10000 elements")
        for i, e in enumerate(doc):
            why = import_element_refusal(e, self.import_bounds)
            if why:
                return E("22023", "users[%d]: %s" % (i, why))
        return None

    def throttled(self, call, pre, key, right):
        """The login throttle with no client address known: one budget per
        email, login_max_failures per window, reserved before the password is
        checked; a success gives its reservation back."""
        call.throttle_key = key
        count = self.t_count(key, pre.now)
        if count is None:
            self.resync.add(key)
            return None
        call.right = right
        if self.in_txn and key in self.txn_locked:
            return ("errs", {"PT503"}, "this transaction holds the email's throttle row (cleared it)")
        if count + 1 > self.limit:
            return E("PT429", "%d failures counted, budget %d" % (count, self.limit))
        if right == "long":
            return E("22023", "current_password of more than 1024 bytes")
        if right is True:
            return OK("right password, budget left (%d of %d)" % (count, self.limit))
        if right is False:
            return ("errs", {"28P01", "PT503"}, "wrong credentials")
        return None

    def compare(self, call, exp, state, msg):
        kind, want, why = exp
        if kind == "err":
            good = state == want
        elif kind == "errs":
            good = state in want
        else:
            good = state is None
        self.counts["judged"] += 1
        if good and state == "PT429":
            m = re.search(r"refused for (\d+) more seconds", msg or "")
            if not m or not 1 <= int(m.group(1)) <= LOGIN_WINDOW:
                return "PT429 without a retry time of 1..%d seconds in its DETAIL: %r" % (LOGIN_WINDOW, msg)
        if good:
            return None
        if kind == "errs":
            want_text = " or ".join(sorted(s or "success" for s in want))
        else:
            want_text = want or "success"
        return "expected %s (%s), got %s%s" % (want_text, why, state or "success",
                                              (": " + msg.splitlines()[0][:200]) if msg else "")

    def after(self, call, pre, rows, state):
        """Bring the model up to date with what the call did."""
        fn = call.fn
        key = call.throttle_key
        if key is not None:
            counted = state in (None, "28P01") or (state == "22023" and call.right == "long")
            if counted:
                self.t_reserve(key, pre.now)
                if state is None:
                    self.t_give_back(key)
            if state == "PT429":
                self.counts["lockouts"] += 1
        if fn == "login":
            self.login_states[state or "ok"] = self.login_states.get(state or "ok", 0) + 1
        if state is not None:
            return
        c = call.caller
        if fn == "unlock_user":
            st = pre.users.get(call.arg("user_id"))
            if st:
                self.t_clear(self.email_key(st[4]))
                self.t_clear(self.user_key(call.arg("user_id")))
        elif fn == "update_user" and c and c["kind"] in ("super", "trusted", "admin"):
            try:
                patch = json_loads(call.arg("patch"))
            except Exception:
                patch = None
            if isinstance(patch, dict) and "password" in patch and rows:
                self.t_clear(self.email_key(self.fold(rows[0][1])))
                self.t_clear(self.user_key(rows[0][0]))
        elif fn in ("create_signing_key", "retire_signing_key"):
            self.load_keys()
        if c and c["kind"] in ("user", "admin") and c["has_user"]:
            self.counts["claims_ok"] += 1

    def check_result(self, call, rows):
        """No call shows a password hash; no call but a superuser's jwks(true)
        shows a signing secret; no one but a superuser gets key data."""
        text = repr(rows)
        if "$argon2" in text:
            return "a password hash in the result of %s" % call.fn
        role = call.context[0]
        if call.fn in KEY_FNS and KIND[role] != "super":
            return "role %s got signing_keys data from %s: %s" % (role, call.fn, text[:200])
        if call.fn == "jwks" and call.arg("include_secrets") and KIND[role] == "super":
            return None
        for mark in self.secret_marks:
            if mark in text:
                return "a signing secret in the result of %s (role %s)" % (call.fn, role)
        return None

    def fingerprint(self):
        return self.query(FINGERPRINT_SQL)[0]


    # -- the entry points ---------------------------------------------------
    def gen_call(self):
        rng = self.rng
        fn = rng.choices(list(GENERATORS), weights=[w for w, _ in GENERATORS.values()])[0]
        return GENERATORS[fn][1](self)

    def hash_ok(self):
        return self.stats["hashes"] < self.o.hash_share * (self.stats["calls"] + 50)

    def g_create_user(self):
        rng = self.rng
        hash_budget = self.hash_ok()
        if rng.random() < 0.5 and hash_budget:
            email = valid_email(rng) if rng.random() < 0.7 else random_case(rng, rng.choice(self.known_emails()))
            if rng.random() < 0.25:
                # a Latin letter outside ASCII, in NFC or NFD: stored and looked up in NFC
                email = rng.choice(["jos\u00e9", "jose\u0301", "m\u00fcller", "\u00e5sa", "c\u0327a"]) + "." + email
            pw, name = password_like(rng), name_like(rng)
            if rng.random() < 0.5:
                pw = "pw-" + ascii_word(rng, 6, 12)
        else:
            email, pw, name = email_like(rng, self.known_emails()), password_like(rng), name_like(rng)
            if not hash_budget:
                # keep the call cheap: make sure one field is invalid
                which = rng.randrange(3)
                if which == 0:
                    email = rng.choice(["", "no-at-sign", "a@b", "@x.com", "a b@x.com"])
                elif which == 1:
                    pw = rng.choice(["", "short", "x" * 129, None])
                else:
                    name = rng.choice(["", " ", "\x01", "x" * 101, None])
        args = [("email", None if rng.random() < 0.03 else email, "text"),
                ("password", None if rng.random() < 0.03 else pw, "text"),
                ("display_name", None if rng.random() < 0.03 else name, "text")]
        return Call("create_user", args, self.context("create_user"), expect=self.expect_create)

    def expect_create(self, call, rows, err):
        email, pw, name = call.arg("email"), call.arg("password"), call.arg("display_name")
        if None in (email, pw, name):
            return None
        if call.caller is None or call.caller["kind"] == "user":
            return None
        valid = [model_email_ok(email), model_password_ok(pw), model_name_ok(name)]
        if err is None:
            uid = rows[0][0]
            self.pw_of[uid] = pw
            self.stats["hashes"] += 1
            if len(self.accounts) < 30:
                self.accounts[uid] = [rows[0][1], pw, "user"]
        if None in valid:
            return None
        if all(valid) and err == "22023":
            return "create_user refused input the rules accept (22023)"
        if not all(valid) and err is None:
            return "create_user accepted input the rules refuse: email %s password %s name %s" % tuple(valid)
        return None

    def g_get_user(self):
        return Call("get_user", [("user_id", self.user_id(), "bigint")], self.context("get_user"))

    def g_get_user_by_email(self):
        rng = self.rng
        e = email_like(rng, self.known_emails()) if rng.random() < 0.9 else None
        return Call("get_user_by_email", [("email", e, "text")], self.context("get_user_by_email"))

    def patch_fields(self):
        return {
            "email": lambda r: json_str(r, email_like(r, self.known_emails())),
            "password": lambda r: json_str(r, password_like(r)) if self.hash_ok()
            else json_str(r, r.choice(["", "short", "x" * 129])),
            "display_name": lambda r: json_str(r, name_like(r)),
            "is_active": lambda r: r.choice(["true", "false", "true", "true"]),
            "role": lambda r: json_str(r, r.choice(["user", "admin", "Admin", "root", "", "user "])),
        }

    def g_update_user(self):
        rng = self.rng
        patch = maybe_broken_json(rng, json_object(rng, self.patch_fields()))
        args = [("user_id", self.user_id(), "bigint"),
                ("patch", None if rng.random() < 0.03 else patch, "jsonb")]
        if rng.random() < 0.6:
            args.append(("expected_version", rng.choice([None, 1, 2, 0, -1, 2**31 - 1, -2**31]), "integer"))
        return Call("update_user", args, self.context("update_user"), expect=self.expect_update)

    def expect_update(self, call, rows, err):
        if err is not None or not rows:
            return None
        try:
            patch = json_loads(call.arg("patch"))
        except Exception:
            return None
        if not isinstance(patch, dict):
            return "update_user accepted a patch that is not an object"
        for k, v in patch.items():
            if k not in ("email", "password", "display_name", "is_active", "role"):
                return "update_user accepted unknown key %r" % k
            if v is None:
                return "update_user accepted null for %r" % k
            if not isinstance(v, bool if k == "is_active" else str):
                return "update_user accepted %s for %r" % (type(v).__name__, k)
        # json.loads keeps the last duplicate, as jsonb does
        if "email" in patch and model_email_ok(patch["email"]) is False:
            return "update_user stored an email the rules refuse"
        if "display_name" in patch and model_name_ok(patch["display_name"]) is False:
            return "update_user stored a display_name the rules refuse"
        if "password" in patch:
            self.stats["hashes"] += 1
            if not model_password_ok(patch["password"]):
                return "update_user accepted a password the rules refuse"
        c = call.caller
        uid = call.arg("user_id")
        if "password" in patch:
            self.pw_of[uid] = patch["password"]
        acct = self.accounts.get(uid)
        if acct:
            acct[0] = rows[0][1]
            if "password" in patch:
                acct[1] = patch["password"]
            acct[2] = rows[0][4]
        if c is None:
            return None
        if c["kind"] == "anon":
            return "anonymous update_user succeeded"
        if c["kind"] == "user" and (set(patch) & {"password", "is_active", "role"}):
            return "a user caller patched an admin-only key"
        if c["kind"] == "user" and c["uid"] != uid:
            return "user %s patched user %s" % (c["uid"], uid)
        return None

    def g_delete_user(self):
        uid = self.user_id()
        if uid in self.accounts and self.rng.random() < 0.7:
            uid = self.rng.randint(10**6, 10**7)  # keep most known accounts alive
        return Call("delete_user", [("user_id", uid, "bigint")], self.context("delete_user"), expect=self.expect_delete)

    def expect_delete(self, call, rows, err):
        uid = call.arg("user_id")
        if err is None:
            self.accounts.pop(uid, None)
            self.pw_of.pop(uid, None)
            self.deleted_ids.append(uid)
            self.deleted_ids = self.deleted_ids[-50:]
        return None

    def g_login(self, ctx=None):
        rng = self.rng
        if not self.hash_ok() and rng.random() < 0.9:
            # NULL arguments and long passwords fail before any hash is verified
            r = rng.random()
            if r < 0.6:
                args = [("email", None if rng.random() < 0.5 else "x@y.z", "text"), ("password", None, "text")]
            else:
                email = rng.choice(self.known_emails() or ["x@y.z"])
                args = [("email", email, "text"), ("password", rng.choice(["x" * 1025, "é" * 513, "😀" * 257]), "text")]
            return Call("login", args, ctx or self.context("login"), expect=self.expect_login)
        r = rng.random()
        if r < 0.6 and self.accounts:
            uid = rng.choice(list(self.accounts))
            email, pw = self.accounts[uid][0], self.pw_of.get(uid) or self.accounts[uid][1]
            if isinstance(pw, str) and pw == NOPASS:
                pw = "pw-none"
            email = random_case(rng, email) if rng.random() < 0.5 else email
            if not email.isascii() and rng.random() < 0.5:
                email = unicodedata.normalize(rng.choice(["NFD", "NFC", "NFKD"]), email)
            if rng.random() < 0.3:
                pw = mutate_text(rng, pw)
            elif rng.random() < 0.05:
                pw = pw + "x" * (1025 - len(pw.encode()))   # just over 1024 bytes
        else:
            email, pw = email_like(rng, self.known_emails()), password_like(rng)
        self.stats["hashes"] += 1
        if ctx is None:
            ctx = self.context("login")
            if rng.random() < 0.5:
                ctx = (rng.choice([None, ANON, ANON, TRUSTED_ROLE]), ctx[1])   # mostly callers that may log in
        call = Call("login", [("email", email, "text"), ("password", pw, "text")], ctx, expect=self.expect_login)
        if rng.random() < 0.3:
            # a proxy's headers: ignored, since login_address_header is empty
            call.headers = rng.choice(HEADER_SETS)
        return call

    def expect_login(self, call, rows, err):
        if err is not None or not rows:
            return None
        tok = rows[0][0]
        self.counts["login_ok"] += 1
        self.issued.add(tok)
        if len(self.tokens) < 40:
            self.tokens.append(tok)
        if call.right is False:
            self.counts["login_wrong_ok"] += 1
            return "login returned a token for a wrong password (or an inactive or unknown account)"
        kid, key = self.signing_key()
        parts = tok.split(".")
        if len(parts) != 3 or key is None or sign(parts[0], parts[1], key["secret"]) != parts[2]:
            return "login issued a token that the signing key did not sign"
        header = json.loads(b64url_strict(parts[0]) or b"null")
        want = {"alg": "HS256", "typ": "JWT"} if key["omit_kid"] else {"alg": "HS256", "typ": "JWT", "kid": kid}
        if header != want:
            return "login's token header is %r, not %r" % (header, want)
        claims = json.loads(b64url_strict(parts[1]) or b"null")
        uid = getattr(call, "login_uid", None)
        st = self.user_states([uid]).get(uid) if uid else None
        if not isinstance(claims, dict) or uid is None or claims.get("sub") != str(uid):
            return "login's token names %r, not user %s" % (claims, uid)
        if st and (claims.get("tv") != st[2] or claims.get("exp", 0) - claims.get("iat", 0) != 3600 or
                   claims.get("role") != ("userservice_admin" if st[1] == "admin" else "userservice_user")):
            return "login's claims %r do not fit user %s %r" % (claims, uid, st[:3])
        pre = getattr(call, "prestate", None)
        before = pre.users.get(uid) if pre else None
        if st and before and st[5] != before[5]:
            self.counts["upgrades"] += 1
        if st and not hash_current(st[5]):
            return "login left an outdated hash for user %s: %s" % (uid, st[5][:40])
        return None

    def g_verify_token(self):
        rng = self.rng
        if rng.random() < 0.01 and self.scenario_counts.get("malleable", 0) < 20:
            self.scenario_counts["malleable"] = self.scenario_counts.get("malleable", 0) + 1
            return Call("verify_token", [("token", self.malleable_token(), "text")],
                        (rng.choice([None, ADMIN]), None), expect=self.expect_verify)
        tok = self.token_like() if rng.random() < 0.97 else None
        ctx = self.context("verify_token")
        if rng.random() < 0.4:
            ctx = (rng.choice([None, TRUSTED_ROLE]), None)   # callers that may verify, so the token is judged
        return Call("verify_token", [("token", tok, "text")], ctx, expect=self.expect_verify)

    def expect_verify(self, call, rows, err):
        if err == "28000":
            self.counts["verify_refused"] += 1
        if err is not None or not rows:
            return None
        tok = call.arg("token")
        self.counts["verify_ok"] += 1
        if tok not in self.issued:
            self.counts["verify_crafted_ok"] += 1
        if getattr(call, "verify_model", None) == "bad":
            return None  # reported by the generic check already
        payload = token_payload(tok)
        if payload is None or not isinstance(rows[0][0], dict) or set(rows[0][0]) != set(payload):
            return "verify_token returned %r for claims %r" % (rows[0][0], payload)
        return None

    def g_me(self):
        return Call("me", [], self.context("me"), expect=self.expect_me)

    def expect_me(self, call, rows, err):
        if err is None and call.caller and rows and rows[0][0] != call.caller["uid"]:
            return "me() returned user %s for a caller who is %s" % (rows[0][0], call.caller["uid"])
        return None

    def g_change_password(self):
        rng = self.rng
        ctx = self.context("change_password")
        cur = new = None
        if self.hash_ok() and ctx[1] and rng.random() < 0.8:
            m = re.search(r'"sub":"(\d+)"', ctx[1])
            uid = int(m.group(1)) if m else None
            known = self.pw_of.get(uid)
            cur = known if isinstance(known, str) and rng.random() < 0.7 else password_like(rng)
            new = password_like(rng) if rng.random() < 0.5 else "pw-" + ascii_word(rng, 8, 12)
            self.stats["hashes"] += 2
        else:
            cur, new = rng.choice([(None, "pw-aaaaaaaa"), ("pw-aaaaaaaa", None), (None, None),
                                   ("pw-aaaaaaaa", "short"), ("pw-aaaaaaaa", "x" * 129)])
        call = Call("change_password", [("current_password", cur, "text"), ("new_password", new, "text")],
                    ctx, expect=self.expect_change_password)
        if rng.random() < 0.3:
            call.headers = rng.choice(HEADER_SETS)
        return call

    def expect_change_password(self, call, rows, err):
        if err is None:
            c = call.caller
            if c and c["has_user"]:
                self.pw_of[c["uid"]] = call.arg("new_password")
                if c["uid"] in self.accounts:
                    self.accounts[c["uid"]][1] = call.arg("new_password")
            if not model_password_ok(call.arg("new_password")):
                return "change_password accepted a new password the rules refuse"
            if call.right is False:
                return "change_password accepted a wrong current_password"
        return None

    def g_logout_all(self):
        args = [] if self.rng.random() < 0.3 else [("user_id", self.user_id(), "bigint")]
        return Call("logout_all", args, self.context("logout_all"))

    def g_list_users(self):
        rng = self.rng
        args = []
        for name, gen, typ in (("page_size", self.page_size, "integer"),
                               ("after_id", self.user_id, "bigint"), ("skip", self.skip, "bigint")):
            if rng.random() < 0.7:
                args.append((name, gen(), typ))
        return Call("list_users", args, self.context("list_users"))

    def g_check_request(self):
        return Call("check_request", [], self.context("check_request"))

    def g_create_post(self):
        rng = self.rng
        title = name_like(rng) if rng.random() < 0.7 else rand_text(rng, rng.choice([199, 200, 201]))
        body = rand_text(rng) if rng.random() < 0.9 else rng.choice(["a\tb\r\nc", "x" * 100000, "é" * 100001])
        args = [("author_id", self.user_id(), "bigint"), ("title", title, "text")]
        if rng.random() < 0.8:
            args.append(("body", body, "text"))
        return Call("create_post", args, self.context("create_post"), expect=self.expect_create_post)

    def expect_create_post(self, call, rows, err):
        if err is None and rows:
            self.post_ids.append(rows[0][0])
            self.post_ids = self.post_ids[-50:]
            title = call.arg("title")
            body = call.arg("body", "")
            if model_text_ok(title, 1, 200) is False or model_text_ok(body, 0, 100000, True) is False:
                return "create_post stored a title or body the rules refuse"
        return None

    def g_get_post(self):
        return Call("get_post", [("post_id", self.post_id(), "bigint")], self.context("get_post"))

    def g_update_post(self):
        rng = self.rng
        fields = {"title": lambda r: json_str(r, name_like(r)),
                  "body": lambda r: json_str(r, rand_text(r))}
        patch = maybe_broken_json(rng, json_object(rng, fields))
        return Call("update_post", [("post_id", self.post_id(), "bigint"),
                                    ("patch", None if rng.random() < 0.03 else patch, "jsonb")],
                    self.context("update_post"), expect=self.expect_update_post)

    def expect_update_post(self, call, rows, err):
        c = call.caller
        if err is None and rows and c and c["kind"] == "user" and rows[0][1] != c["uid"]:
            return "user %s updated post %s of user %s" % (c["uid"], rows[0][0], rows[0][1])
        return None

    def g_delete_post(self):
        return Call("delete_post", [("post_id", self.post_id(), "bigint")], self.context("delete_post"))

    def g_list_posts(self):
        rng = self.rng
        args = [("author_id", self.user_id(), "bigint")]
        for name, gen, typ in (("page_size", self.page_size, "integer"),
                               ("after_id", self.post_id, "bigint"), ("skip", self.skip, "bigint")):
            if rng.random() < 0.7:
                args.append((name, gen(), typ))
        return Call("list_posts", args, self.context("list_posts"))

    def g_list_users_with_posts(self):
        rng = self.rng
        args = []
        for name, gen, typ in (("page_size", self.page_size, "integer"),
                               ("after_id", self.user_id, "bigint"),
                               ("only_active", lambda: rng.choice([None, True, False]), "boolean"),
                               ("skip", self.skip, "bigint")):
            if rng.random() < 0.7:
                args.append((name, gen(), typ))
        return Call("list_users_with_posts", args, self.context("list_users_with_posts"))

    def g_import_users(self):
        rng = self.rng
        fields = {"email": lambda r: json_str(r, email_like(r, self.known_emails())),
                  "display_name": lambda r: json_str(r, name_like(r)),
                  "password": lambda r: json_str(r, r.choice(["", "short", "x" * 129]))
                  if not self.hash_ok() or r.random() < 0.8 else json_str(r, password_like(r)),
                  "password_hash": lambda r: json_str(r, phc_like(r))}
        r = rng.random()
        if r < 0.5:
            n = rng.randint(0, 4)
            elems = []
            for _ in range(n):
                if rng.random() < 0.6:  # a mostly valid element
                    h = phc_like(rng) if rng.random() < 0.8 else rng.choice(LEGACY_HASHES)[1]
                    email = valid_email(rng, "imp")
                    if rng.random() < 0.2:
                        email = rng.choice(["jos\u00e9", "jose\u0301", "m\u00fcller", "\u00c5sa"]) + "." + email
                    e = {"email": json_str(rng, email),
                         "display_name": json_str(rng, "Imported"),
                         "password_hash": json_str(rng, h)}
                    if rng.random() < 0.3:
                        k = rng.choice(list(fields))
                        e[k] = fields[k](rng)
                    elems.append("{" + ",".join(json_str(rng, k) + ":" + v for k, v in e.items()) + "}")
                else:
                    elems.append(json_object(rng, fields) if rng.random() < 0.8 else json_value(rng))
            if n >= 2 and rng.random() < 0.2:
                elems.append(elems[0].replace("@", "@").upper())  # a duplicate in another case
            doc = "[" + ",".join(elems) + "]"
        elif r < 0.55:
            doc = "[" + ",".join(['{"email":"bulk%d@x.io","display_name":"b","password":"short"}' % i
                                  for i in range(rng.choice([10000, 10001]))]) + "]"
        else:
            doc = maybe_broken_json(rng, json_value(rng))
        return Call("import_users", [("users", None if rng.random() < 0.03 else doc, "jsonb")],
                    self.context("import_users"), expect=self.expect_import)

    def expect_import(self, call, rows, err):
        if err is not None or not rows:
            return None
        try:
            doc = json_loads(call.arg("users"))
        except Exception:
            return None
        for e in doc if isinstance(doc, list) else []:
            if not isinstance(e, dict):
                return "import_users accepted an element that is not an object"
            if import_element_refusal(e, self.import_bounds):
                return "import_users accepted an element it must refuse (%s): %r" % (
                    import_element_refusal(e, self.import_bounds), str(e)[:200])
            if model_email_ok(e.get("email", "")) is False or model_name_ok(e.get("display_name", "")) is False:
                return "import_users stored an element the rules refuse: %r" % (str(e)[:200],)
            if ("password" in e) == ("password_hash" in e):
                return "import_users accepted an element with %s password and password_hash" % (
                    "both" if "password" in e else "neither")
            if "password" in e:
                self.stats["hashes"] += 1
                if not isinstance(e["password"], str) or not model_password_ok(e["password"]):
                    return "import_users accepted a plain password the policy refuses: %r" % (str(e["password"])[:40],)
            elif not isinstance(e["password_hash"], str) or model_phc_ok(e["password_hash"], *self.import_bounds) is False:
                return "import_users accepted a password_hash it must refuse: %r" % (str(e["password_hash"])[:80],)
            uid = self.lookup_email(e["email"])[1]
            if uid is None:
                return "import_users reported success but %r is not stored" % e["email"][:80]
            self.pw_of[uid] = e["password"] if "password" in e else LEGACY_OF.get(e["password_hash"], NOPASS)
            if uid not in self.accounts and isinstance(self.pw_of[uid], str) and self.pw_of[uid] != NOPASS \
                    and len(self.accounts) < 30 and self.rng.random() < 0.5:
                self.accounts[uid] = [e["email"], self.pw_of[uid], "user"]
        if len(rows[0][1] or []) != len(doc):
            return "import_users created %s users for %d elements" % (rows[0][0], len(doc))
        return None

    # -- 1.3: throttle administration and signing keys -------------------------
    def g_unlock_user(self):
        return Call("unlock_user", [("user_id", self.user_id(), "bigint")], self.context("unlock_user"))

    def g_login_attempts(self):
        rng = self.rng
        e = email_like(rng, self.known_emails()) if rng.random() < 0.95 else None
        return Call("login_attempts", [("email", e, "text")], self.context("login_attempts"),
                    expect=self.expect_login_attempts)

    def expect_login_attempts(self, call, rows, err):
        if err is not None or self.in_txn:
            return None
        key = self.email_key(self.fold(call.arg("email")))
        count = self.t_count(key, time.time())
        shown = {r[0]: r[1] for r in rows}
        if count is None:
            return None
        if set(shown) - {""}:
            return "login_attempts shows addresses %r although none is ever known" % sorted(shown)
        if shown.get("", 0) != count:
            return "login_attempts shows %s failures, the model counts %d" % (shown.get(""), count)
        return None

    def key_context(self):
        rng = self.rng
        if rng.random() < 0.5:
            return (None, None if rng.random() < 0.8 else self.claims_object(list(self.accounts)))
        return self.context()

    def g_create_signing_key(self):
        rng = self.rng
        ctx = self.key_context()
        alg = rng.choice(["HS256"] * 6 + ["hs256", "HS512", "", " HS256", "RS256", None])
        secret = rng.choice([None, "k" * 31, "k" * 32, "é" * 16, "é" * 15 + "k", "x" * 1024, "x" * 1025,
                             "s-" + ascii_word(rng, 30, 40), "中" * 11])
        if KIND[ctx[0]] == "super" and self.key_creates >= 4:
            alg = rng.choice(["hs256", None, "HS384"])   # no more keys: keep the ring small
        args = [("alg", alg, "text")]
        if rng.random() < 0.8:
            args.append(("secret", secret, "text"))
        return Call("create_signing_key", args, ctx, expect=self.expect_create_key)

    def expect_create_key(self, call, rows, err):
        if err is not None:
            return None
        self.key_creates += 1
        kid = rows[0][0]
        if not re.fullmatch(r"[0-9a-f]{32}", kid or ""):
            return "create_signing_key returned kid %r" % kid
        k = self.keys.get(kid)
        if not k or k["state"] != "signing":
            return "the new key %s is not the signing key" % kid
        sec = call.arg("secret")
        if sec is not None and k["secret"] != sec.encode():
            return "the new key's secret is not the one given"
        return None

    def g_retire_signing_key(self):
        rng = self.rng
        ctx = self.key_context()
        kids = [kid for kid, k in self.keys.items() if kid != self.kid or k["state"] == "signing"]
        kid = rng.choice(kids + ["0" * 32, "", "x" * 100, None, "%s " % self.kid, self.kid.upper()])
        if kid == self.kid and KIND[ctx[0]] == "super" and self.keys[self.kid]["state"] != "signing":
            kid = "f" * 32   # the fuzzer's own key keeps verifying
        return Call("retire_signing_key", [("kid", kid, "text")], ctx, expect=self.expect_retire_key)

    def expect_retire_key(self, call, rows, err):
        if err is None:
            k = self.keys.get(call.arg("kid"))
            if not k or k["state"] != "retired" or k["secret"] is not None:
                return "retire_signing_key left key %s as %r" % (call.arg("kid"), k and k["state"])
        return None

    def g_jwks(self):
        rng = self.rng
        args = [] if rng.random() < 0.3 else [("include_secrets", rng.choice([True, False, None]), "boolean")]
        return Call("jwks", args, self.key_context(), expect=self.expect_jwks)

    def expect_jwks(self, call, rows, err):
        if err is not None or not rows:
            return None
        doc = rows[0][0]
        want = []
        if call.arg("include_secrets"):
            want = sorted((kid, b64u(sec)) for kid, sec in self.ring())
        got = sorted((k.get("kid"), k.get("k")) for k in (doc or {}).get("keys", []))
        if got != want:
            return "jwks(%s) lists %d keys, the ring has %d" % (call.arg("include_secrets"), len(got), len(want))
        return None


    # -- multi-call transactions (a SQL client, not PostgREST) ---------------
    def g_txn(self):
        """A few calls in one transaction, each in a savepoint."""
        rng = self.rng
        calls = []
        uid = self.usable_account() if rng.random() < 0.1 and self.scenario_runs < 5 else None
        if uid is not None:
            # a failure, then a success and a failure, on one account: this
            # used to wait forever for the failure counter (fixed in 03cea59);
            # it must not hang
            self.scenario_runs += 1
            email, pw = self.accounts[uid][0], self.pw_of[uid]
            ctx = (None, None)
            calls = [Call("login", [("email", email, "text"), ("password", pw + "x", "text")], ctx),
                     "COMMIT-POINT",
                     Call("login", [("email", email, "text"), ("password", pw, "text")], ctx),
                     Call("login", [("email", email, "text"), ("password", pw + "y", "text")], ctx)]
            if rng.random() < 0.5:
                # an unlock in the transaction holds the throttle's row: a login
                # on that email then cannot be counted (PT503), never let through
                calls[1:1] = [Call("unlock_user", [("user_id", uid, "bigint")], ctx)]
            self.stats["hashes"] += 3
        else:
            for _ in range(rng.randint(2, 4)):
                c = self.gen_call()
                if not isinstance(c, list):
                    calls.append(c)
        self.stats["txn_scenarios"] += 1
        return calls

    def run_txn(self, calls):
        saved = (dict(self.pw_of), {k: list(v) for k, v in self.accounts.items()})
        try:
            with self.conn.cursor() as c:
                c.execute("BEGIN")
            self.in_txn = True
            self.txn_locked = set()
            for call in calls:
                if call == "COMMIT-POINT":
                    with self.conn.cursor() as c:
                        c.execute("COMMIT; BEGIN")
                    self.txn_locked = set()
                    continue
                self.one(call, in_txn=True)
            with self.conn.cursor() as c:
                c.execute("COMMIT")
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            self.in_txn = False
            self.reconnect()
        except psycopg2.Error as e:
            print("transaction scenario: %s" % e)
            with self.conn.cursor() as c:
                c.execute("ROLLBACK")
            self.pw_of, self.accounts = saved   # the model forgets what was rolled back
            self.in_txn = False
            self.load_keys()
            for key in self.txn_locked:
                self.t_resync(key)
        self.in_txn = False
        self.txn_locked = set()

    # -- scenarios ---------------------------------------------------------------
    def lockout_scenario(self):
        """PT429 on purpose: a low budget, wrong passwords until it is spent,
        then the right password is refused too (PT429, before any hash); the
        same for change_password's own budget; login_attempts shows the
        count, unlock_user clears both, and the right password logs in again."""
        uid = self.usable_account(admin=False)
        admin = self.usable_account(admin=True)
        if uid is None or admin is None:
            return
        self.counts["lockout_scenarios"] = self.counts.get("lockout_scenarios", 0) + 1
        email, pw = self.accounts[uid][0], self.pw_of[uid]
        limit = self.rng.choice([1, 2, 3])
        sup = (None, None)
        admin_ctx = (ADMIN, self.claims_for(admin, self.user_states([admin]).get(admin), ADMIN, exact=True))
        login = lambda p, ctx=(ANON, None), must=None: self.scenario_call(
            Call("login", [("email", random_case(self.rng, email), "text"), ("password", p, "text")], ctx,
                 expect=self.expect_login), must)
        self.scenario_call(Call("unlock_user", [("user_id", uid, "bigint")], sup), "ok")
        self.set_limit(limit)
        try:
            for i in range(limit):
                login(pw + "-wrong%d" % i, must="28P01")
            login(pw, must="PT429")
            login(pw + "-wrong", must="PT429")
            # change_password has a budget of its own, by user id: a spent
            # email budget does not stop it, its own spent budget does
            user_ctx = (USER, self.claims_for(uid, self.user_states([uid]).get(uid), USER, exact=True))
            change = lambda cur, must: self.scenario_call(
                Call("change_password", [("current_password", cur, "text"),
                                         ("new_password", "pw-new-" + ascii_word(self.rng, 8, 8), "text")],
                     user_ctx, expect=self.expect_change_password), must)
            for i in range(limit):
                change(pw + "-wrong%d" % i, "28P01")
            change(pw, "PT429")
            self.scenario_call(Call("login_attempts", [("email", email, "text")], admin_ctx,
                                    expect=self.expect_login_attempts), "ok")
            self.scenario_call(Call("unlock_user", [("user_id", uid, "bigint")], admin_ctx), "ok")
            login(pw, ctx=sup, must="ok")
        finally:
            self.set_limit(LOGIN_MAX_FAILURES)
        self.stats["hashes"] += 2 * limit + 1

    def legacy_scenario(self):
        """An imported legacy hash of a password the policy would refuse now
        logs in, is upgraded to the current cost, and logs in again."""
        pw, h = self.rng.choice(LEGACY_HASHES)
        email = valid_email(self.rng, "legacy")
        self.counts["legacy"] += 1
        doc = json.dumps([{"email": email, "display_name": "Legacy", "password_hash": h}])
        call = Call("import_users", [("users", doc, "jsonb")], (self.rng.choice([None, TRUSTED_ROLE]), None),
                    expect=self.expect_import)
        self.scenario_call(call, "ok")
        uid = self.lookup_email(email)[1]
        for _ in range(2):
            self.scenario_call(Call("login", [("email", email, "text"), ("password", pw, "text")], (ANON, None),
                                    expect=self.expect_login), "ok")
        st = self.user_states([uid]).get(uid)
        if st and not hash_current(st[5]):
            self.oracle(call, "the legacy hash of user %s was not upgraded at login: %s" % (uid, st[5][:40]))
        self.stats["hashes"] += 3

    def no_key_scenario(self):
        """With no signing key (deleted in a transaction that is rolled back),
        login answers 55000 and no token verifies; after the rollback the
        keys are back in this backend's keyring at once."""
        uid = self.usable_account()
        if uid is None or not self.tokens:
            return
        self.counts["no_key"] += 1
        email, pw = self.accounts[uid][0], self.pw_of[uid]
        login = Call("login", [("email", email, "text"), ("password", pw, "text")], (ANON, None),
                     expect=self.expect_login)
        with self.conn.cursor() as c:
            c.execute("BEGIN")
            self.in_txn = True
            c.execute("DELETE FROM userservice.signing_keys")
        self.no_key = True
        try:
            self.scenario_call(login, "55000")
            self.scenario_call(Call("verify_token", [("token", self.tokens[-1], "text")], (None, None),
                                    expect=self.expect_verify), "28000")
            self.scenario_call(Call("jwks", [("include_secrets", True, "boolean")], (None, None),
                                    expect=self.expect_jwks), "ok")
        finally:
            with self.conn.cursor() as c:
                c.execute("ROLLBACK")
            self.no_key = False
            self.in_txn = False
        self.scenario_call(Call("login", [("email", email, "text"), ("password", pw, "text")], (ANON, None),
                                expect=self.expect_login), "ok")
        self.stats["hashes"] += 1

    def key_rollback_scenario(self):
        """A key created, or retired, in a savepoint that is rolled back: this
        backend's keyring forgets the change at once (login signs with the
        key that signs again, and a token of the rolled-back key is refused;
        a retired key that comes back verifies again)."""
        uid = self.usable_account()
        if uid is None:
            return
        self.counts["key_rollback"] += 1
        email, pw = self.accounts[uid][0], self.pw_of[uid]
        login = lambda must: self.scenario_call(
            Call("login", [("email", email, "text"), ("password", pw, "text")], (ANON, None),
                 expect=self.expect_login), must)
        verifying = [kid for kid, k in self.keys.items() if k["state"] == "verifying"]
        with self.conn.cursor() as c:
            c.execute("BEGIN; SAVEPOINT a")
        self.in_txn = True
        try:
            self.scenario_call(Call("create_signing_key", [("alg", "HS256", "text"),
                                                           ("secret", "rolled-back-" + ascii_word(self.rng, 24, 30), "text")],
                                    (None, None), expect=self.expect_create_key), "ok")
            if verifying:
                self.scenario_call(Call("retire_signing_key", [("kid", self.rng.choice(verifying), "text")],
                                        (None, None), expect=self.expect_retire_key), "ok")
            login("ok")
            token = self.tokens[-1]
            with self.conn.cursor() as c:
                c.execute("ROLLBACK TO SAVEPOINT a")
            self.load_keys()
            login("ok")
            self.scenario_call(Call("verify_token", [("token", token, "text")], (None, None),
                                    expect=self.expect_verify), "28000")
            self.scenario_call(Call("verify_token", [("token", self.tokens[-1], "text")], (None, None),
                                    expect=self.expect_verify), "ok")
            with self.conn.cursor() as c:
                c.execute("COMMIT")
        except psycopg2.Error as e:
            print("key rollback scenario: %s" % e)
            with self.conn.cursor() as c:
                c.execute("ROLLBACK")
        finally:
            self.in_txn = False
            self.key_creates -= 1
            self.load_keys()
        self.stats["hashes"] += 2

    def scenario_call(self, call, must):
        call.must = must
        self.one(call, in_txn=self.in_txn)

    # -- running a call -------------------------------------------------------
    def render(self, call):
        """The call as SQL text, with its values as literals (via mogrify)."""
        with self.conn.cursor() as c:
            parts = []
            for name, value, typ in call.args:
                lit = c.mogrify("%s", (value,)).decode()
                if value is None:
                    lit = "NULL"
                if typ != "text":
                    lit = "CAST(%s AS %s)" % (lit, typ)
                parts.append((name, lit))
            if self.rng.random() < 0.5 or not parts:
                arglist = ", ".join("%s := %s" % (n, l) for n, l in parts)
            else:
                arglist = ", ".join(l for _, l in parts) if len(parts) == len(ARITY[call.fn]) \
                    else ", ".join("%s := %s" % (n, l) for n, l in parts)
            call.sql = "SELECT * FROM userservice.%s(%s)" % (call.fn, arglist)
            role, claims = call.context
            pre = []
            if role:
                pre.append(c.mogrify("SELECT set_config('role', %s, true)", (role,)).decode())
            if claims is not None:
                pre.append(c.mogrify("SELECT set_config('request.jwt.claims', %s, true)", (claims,)).decode())
            if call.headers is not None:
                pre.append(c.mogrify("SELECT set_config('request.headers', %s, true)", (call.headers,)).decode())
            call.pre = pre

    def execute(self, call, in_txn=False):
        """Run one call; returns (rows, sqlstate or None, message)."""
        self.render(call)
        if in_txn:
            # set_config(..., true) lasts until the end of the transaction:
            # state this call's own context, not the previous call's
            if not call.context[0]:
                call.pre.insert(0, "SELECT set_config('role', 'none', true)")
            if call.context[1] is None:
                call.pre.insert(0, "SELECT set_config('request.jwt.claims', '', true)")
            if call.headers is None:
                call.pre.insert(0, "SELECT set_config('request.headers', '', true)")
        text = ";\n".join(call.pre + [call.sql])
        with self.conn.cursor() as c:
            try:
                if in_txn:
                    c.execute("SAVEPOINT f")
                c.execute(text)
                rows = c.fetchall() if c.description else []
                if in_txn:
                    c.execute("RELEASE SAVEPOINT f")
                return rows, None, None
            except psycopg2.Error as e:
                if e.pgcode is None:
                    raise
                if in_txn:
                    c2 = self.conn.cursor()
                    c2.execute("ROLLBACK TO SAVEPOINT f")
                return None, e.pgcode, (e.pgerror or "").strip()

    def input_rejected(self, call, state, in_txn=False):
        """True when one of the arguments alone raises state in its input function."""
        for _, value, typ in call.args:
            if value is None:
                continue
            with self.conn.cursor() as c:
                try:
                    if in_txn:
                        c.execute("SAVEPOINT chk")
                    c.execute("SELECT CAST(%%s AS %s) IS NULL" % typ, (value,))
                    if in_txn:
                        c.execute("RELEASE SAVEPOINT chk")
                except psycopg2.Error as e:
                    if in_txn:
                        c.execute("ROLLBACK TO SAVEPOINT chk")
                    if e.pgcode == state:
                        return True
        return False

    def one(self, call, in_txn=False):
        self.stats["calls"] += 1
        try:
            pre = self.prestate(call)
            exp = self.expected(call, pre)
            fp0 = self.fingerprint() if not in_txn and call.fn in WRITERS else None
            rows, state, msg = self.execute(call, in_txn)
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as e:
            self.fail(call, "connection lost (backend crash?): %s" % str(e).strip())
            self.reconnect()
            return
        call.prestate = pre
        key = "%s %s" % (call.fn, state or "ok")
        self.by_state[key] = self.by_state.get(key, 0) + 1
        if state is None:
            self.stats["ok"] += 1
        elif state in DOCUMENTED or state in CONCURRENCY or (state == "55000" and self.no_key):
            self.stats["documented"] += 1
        elif state == "57014":
            self.fail(call, "statement timeout after %ds (hang): %s" % (self.o.timeout, msg))
            return
        elif self.input_rejected(call, state, in_txn):
            self.stats["input_rejected"] += 1
            return
        else:
            self.fail(call, "undocumented SQLSTATE %s: %s" % (state, msg))
            return
        problems = []
        if exp is not None and state not in CONCURRENCY:
            problems.append(self.compare(call, exp, state, msg))
        if call.must is not None and (state or "ok") != call.must:
            problems.append("the scenario needs %s here, got %s%s" % (
                call.must, state or "success", (": " + msg.splitlines()[0][:200]) if msg else ""))
        if state is None:
            problems.append(self.check_result(call, rows))
        if fp0 is not None and state is not None:
            fp1 = self.fingerprint()
            self.counts["fingerprints"] += 1
            parts = 3 if call.fn in ("login", "change_password") else 4   # their failures are counted
            if fp0[:parts] != fp1[:parts]:
                problems.append("a failed call (%s) changed stored data: %r -> %r" % (state, fp0, fp1))
        self.after(call, pre, rows, state)
        if call.expect:
            problems.append(call.expect(call, rows, state))
        for problem in problems:
            if problem:
                self.oracle(call, problem)

    def repro(self, call):
        lines = ["-- userservice fuzz reproducer (seed %d, call %d)" % (self.o.seed, self.stats["calls"]),
                 "SELECT userservice.create_signing_key('HS256', '%s');  -- once: the fuzzer's key" % SECRET,
                 "SET userservice.login_max_failures = %d; SET userservice.login_address_header = '';" % self.limit]
        for role, how in ((MEMBER_ROLE, "IN ROLE userservice_user"), (PLAIN_ROLE, ""),
                          (NOINHERIT_ROLE, "NOINHERIT IN ROLE userservice_admin"),
                          (TRUSTED_ROLE, "IN ROLE userservice_trusted")):
            if call.context[0] == role:
                lines.append("CREATE ROLE %s NOLOGIN %s;  -- once" % (role, how))
                if role in (PLAIN_ROLE, NOINHERIT_ROLE):
                    lines.append("GRANT USAGE ON SCHEMA userservice TO %s; "
                                 "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA userservice TO %s;" % (role, role))
                if role == TRUSTED_ROLE:
                    lines.append("GRANT EXECUTE ON FUNCTION userservice.create_signing_key(text, text), "
                                 "userservice.retire_signing_key(text), userservice.jwks(boolean) TO %s;" % role)
        pre = getattr(call, "prestate", None)
        if pre and pre.users:
            lines.append("-- users then: %s" % "; ".join("%d: active %s, role %s, token_version %s, email %r" % (
                uid, st[0], st[1], st[2], st[3][:60]) for uid, st in sorted(pre.users.items())))
        if call.throttle_key is not None:
            lines.append("-- login_throttle then: %s failures on this email (model)" % (
                self.throttle.get(call.throttle_key, [0])[0]))
        lines.append("BEGIN;")
        lines += [p + ";" for p in getattr(call, "pre", [])]
        lines.append((call.sql or call.fn) + ";")
        lines.append("ROLLBACK;")
        return "\n".join(lines)

    def show(self, kind, call, what):
        text = self.repro(call)
        short = text if len(text) < 3000 else text[:1500] + "\n... (%d bytes) ...\n" % len(text) + text[-800:]
        print("\n=== %s #%d: %s\n%s" % (kind, len(self.failures) + len(self.oracles), what, short), flush=True)
        if self.o.repro_dir:
            os.makedirs(self.o.repro_dir, exist_ok=True)
            self.n_repro += 1
            path = os.path.join(self.o.repro_dir, "%s-%03d.sql" % (kind.lower(), self.n_repro))
            with open(path, "w") as f:
                f.write("-- %s\n%s\n" % (what.replace("\n", " "), text))

    def tag_known(self, call, what):
        known = getattr(call, "known", None)
        if known:
            self.known_hits[known] = self.known_hits.get(known, 0) + 1
            what = "[known issue %s] %s" % (known, what)
        return known, what

    def fail(self, call, what):
        known, what = self.tag_known(call, what)
        self.stats["failures"] += 1
        self.failures.append((call.fn, what, known))
        self.show("FAILURE", call, what)

    def oracle(self, call, what):
        known, what = self.tag_known(call, what)
        self.stats["oracle"] += 1
        self.oracles.append((call.fn, what, known))
        self.show("ORACLE", call, what)

    def reconnect(self):
        self.in_txn = False
        for _ in range(30):
            try:
                self.connect()
                return
            except psycopg2.OperationalError:
                time.sleep(1)
        print("cannot reconnect: giving up", flush=True)
        self.finish()

    def check_server(self):
        """The postmaster did not restart; the server log has no alarm."""
        start = self.scalar("SELECT pg_postmaster_start_time()")
        if start != self.postmaster_start:
            self.failures.append(("server", "postmaster restarted", None))
            print("=== FAILURE: the postmaster restarted (%s -> %s)" % (self.postmaster_start, start))
            self.postmaster_start = start
        if self.o.server_log and os.path.exists(self.o.server_log):
            with open(self.o.server_log, "rb") as f:
                f.seek(self.log_pos)
                data = f.read()
                self.log_pos += len(data)
            text = data.decode("utf-8", "replace")
            for line in text.splitlines():
                if LOG_ALARMS.search(line):
                    self.failures.append(("server-log", line, None))
                    print("=== FAILURE (server log): %s" % line, flush=True)
            self.scan_log(text)

    def scan_log(self, text):
        """Functions that take a password or a secret hide their statement
        (errhidestmt): no error of the extension's own may come with a
        STATEMENT line that calls one of them. PostgreSQL's own errors before
        the function runs (no EXECUTE, a jsonb literal it refuses) do log the
        statement: those are only counted."""
        last_error = None
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if " ERROR:  " in line:
                last_error = line
            elif " STATEMENT:  " in line and last_error is not None:
                j = i + 1
                while j < len(lines) and lines[j].startswith("\t"):
                    j += 1
                stmt = "\n".join(lines[i:j])
                if HIDDEN_CALL.search(stmt):
                    if OWN_ERROR.search(last_error):
                        what = "the statement of a call that takes a password was logged after %r: %s" % (
                            last_error.split(" ERROR:  ", 1)[1][:80], stmt[:300])
                        self.oracles.append(("server-log", what, None))
                        print("=== ORACLE (server log): %s" % what, flush=True)
                    else:
                        self.counts["pg_logged"] += 1
                last_error = None
            elif re.match(r"\d{4}-\d\d-\d\d ", line) and " DETAIL:  " not in line and " HINT:  " not in line \
                    and " CONTEXT:  " not in line:
                last_error = None

    def contexts(self):
        with self.conn.cursor() as c:
            c.execute("SELECT name, sum(total_bytes), count(*) FROM pg_backend_memory_contexts GROUP BY 1")
            return {n: (b, k) for n, b, k in c.fetchall()}

    def consistency(self):
        """Stored data obeys the rules, whatever path wrote it."""
        with self.conn.cursor() as c:
            c.execute("""SELECT lower(email COLLATE "und-x-icu"), count(*) FROM userservice.users
                         GROUP BY 1 HAVING count(*) > 1""")
            for e, n in c.fetchall():
                self.oracles.append(("users", "email %r stored %d times" % (e, n), None))
            # NFC before storage, or NFC and NFD spellings would be two accounts
            c.execute("SELECT id, email FROM userservice.users WHERE email IS NOT NFC NORMALIZED")
            for uid, e in c.fetchall():
                self.oracles.append(("users", "email of user %d not stored in NFC: %r" % (uid, e[:80]), None))
            c.execute("SELECT id, email, display_name, role, version FROM userservice.users")
            for uid, email, name, role, version in c.fetchall():
                if model_email_ok(email) is False or model_name_ok(name) is False \
                        or role not in ("user", "admin") or version < 1:
                    self.oracles.append(("users", "stored row breaks the rules: %r" % ((uid, email[:80], name[:80], role, version),), None))
            c.execute("SELECT id, title, body FROM userservice.posts")
            for pid, title, body in c.fetchall():
                if model_text_ok(title, 1, 200) is False or model_text_ok(body, 0, 100000, True) is False:
                    self.oracles.append(("posts", "stored post %d breaks the rules" % pid, None))
            c.execute("SELECT count(*) FILTER (WHERE state = 'signing'), count(*) FILTER (WHERE state = 'retired'"
                      " AND secret IS NOT NULL) FROM userservice.signing_keys")
            signing, unwiped = c.fetchone()
            if signing != 1 or unwiped:
                self.oracles.append(("signing_keys", "%d signing keys, %d retired keys with a secret" % (signing, unwiped), None))
            c.execute("SELECT count(*) FROM userservice.users")
            self.n_users = c.fetchone()[0]
        self.check_throttle_model()

    def run(self):
        t0 = time.time()
        self.setup()
        next_check = 500
        low_until = None
        while self.stats["calls"] < self.o.calls:
            r = self.rng.random()
            if r < 0.02:
                self.run_txn(self.g_txn())
            elif r < 0.0235 and low_until is not None:
                self.one(self.gen_call())   # the scenarios need the full budget
            elif r < 0.0215 and self.counts.get("lockout_scenarios", 0) < 5:
                self.lockout_scenario()
            elif r < 0.0225 and self.counts["legacy"] < 4:
                self.legacy_scenario()
            elif r < 0.0230 and self.counts["no_key"] < 3:
                self.no_key_scenario()
            elif r < 0.0235 and self.counts["key_rollback"] < 3:
                self.key_rollback_scenario()
            elif r < 0.0250 and low_until is None:
                # a stretch with a small budget: known accounts run out of it;
                # sometimes import_users' cost bounds are lowered too
                self.set_limit(self.rng.choice([1, 2, 3, 5]))
                if self.rng.random() < 0.5:
                    self.set_import_bounds(self.rng.choice([8, 19455, 19456, 65535, 65536]), self.rng.choice([1, 2, 3, 4]))
                low_until = self.stats["calls"] + 300
            else:
                self.one(self.gen_call())
            if low_until is not None and self.stats["calls"] >= low_until:
                self.set_limit(LOGIN_MAX_FAILURES)
                self.set_import_bounds(None, None)
                low_until = None
            if self.stats["calls"] >= next_check:
                next_check += 500
                if self.mem_warm is None and self.stats["calls"] >= min(5000, self.o.calls // 2):
                    self.mem_warm = (self.stats["calls"],
                                     self.scalar("SELECT sum(total_bytes) FROM pg_backend_memory_contexts"),
                                     self.contexts())
                self.replenish()
                self.check_throttle_model()
                self.check_server()
                if self.o.progress and self.stats["calls"] % 10000 < 500:
                    print("... %d calls, %.0f s, %d failures" % (self.stats["calls"], time.time() - t0,
                                                                   len(self.failures)), flush=True)
            if self.o.max_failures and len(self.failures) >= self.o.max_failures:
                print("stopping: %d failures" % len(self.failures))
                break
        if low_until is not None:
            self.set_limit(LOGIN_MAX_FAILURES)
            self.set_import_bounds(None, None)
        # every run exercises the scenarios at least once
        if self.counts.get("lockout_scenarios", 0) == 0:
            self.lockout_scenario()
        if self.counts["legacy"] == 0:
            self.legacy_scenario()
        if self.counts["no_key"] == 0:
            self.no_key_scenario()
        if self.counts["key_rollback"] == 0:
            self.key_rollback_scenario()
        self.elapsed = time.time() - t0
        return self.finish()

    def finish(self):
        n_oracles = len(self.oracles)
        try:
            self.check_server()
            with self.conn.cursor() as c:
                c.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
                self.mem_end = c.fetchone()[0]
            self.consistency()
        except psycopg2.Error as e:
            print("final checks failed: %s" % e)
            self.failures.append(("server", "final checks: %s" % e, None))
            self.mem_end = None
            self.n_users = None
        for fn, what, _ in self.oracles[n_oracles:]:
            print("=== ORACLE (consistency): %s: %s" % (fn, what))
        elapsed = getattr(self, "elapsed", 0)
        n = self.counts
        print("\n== fuzz_sql summary: seed %d, %d calls in %.1f s (%.0f calls/s), schema %s" % (
            self.o.seed, self.stats["calls"], elapsed, self.stats["calls"] / max(elapsed, 0.001),
            getattr(self, "extversion", "?")))
        print("   succeeded %(ok)d, documented errors %(documented)d, refused by an input function "
              "%(input_rejected)d, multi-call transactions %(txn_scenarios)d, hashes ~%(hashes)d" % self.stats)
        print("   logins: %d succeeded, %s; tokens for a wrong password: %d" % (
            n["login_ok"], ", ".join("%s %d" % kv for kv in sorted(self.login_states.items()) if kv[0] != "ok") or "none refused",
            n["login_wrong_ok"]))
        print("   verify_token: %d accepted (%d crafted by the fuzzer), %d refused with 28000" % (
            n["verify_ok"], n["verify_crafted_ok"], n["verify_refused"]))
        print("   web-role calls with claims that passed: %d; outcomes judged exactly by the model: %d; "
              "PT429: %d; failed calls fingerprinted: %d" % (n["claims_ok"], n["judged"], n["lockouts"],
                                                             n["fingerprints"]))
        print("   scenarios: lockout %d, legacy import %d, no signing key %d, key rollback %d, hash upgrades seen %d" % (
            n.get("lockout_scenarios", 0), n["legacy"], n["no_key"], n["key_rollback"], n["upgrades"]))
        if self.o.server_log:
            print("   server log: no hidden statement after the extension's own errors; %d statements with a password "
                  "argument logged by PostgreSQL's own errors before the call (no EXECUTE, a refused jsonb literal)"
                  % n["pg_logged"])
        states = {}
        for k, v in self.by_state.items():
            s = k.split(" ")[1]
            states[s] = states.get(s, 0) + v
        print("   outcomes: %s" % ", ".join("%s %d" % kv for kv in sorted(states.items())))
        print("   users at the end: %s; backend %s memory contexts: %s at start, %s after %s calls, %s at the end" % (
            self.n_users, self.backend_pid, self.mem_start, self.mem_warm and self.mem_warm[1],
            self.mem_warm and self.mem_warm[0], self.mem_end))
        if self.mem_warm and self.mem_end:
            try:
                now = self.contexts()
                for name, (b, k) in sorted(now.items()):
                    b0, k0 = self.mem_warm[2].get(name, (0, 0))
                    if b - b0 >= 8192:
                        print("   memory context %r grew by %d bytes (%d -> %d contexts) since call %d" % (
                            name, b - b0, k0, k, self.mem_warm[0]))
            except psycopg2.Error:
                pass
        if self.o.verbose:
            print("   verify_token, the model's verdicts: %s" % ", ".join(
                "%s %d" % kv for kv in sorted(self.verify_why.items(), key=lambda kv: -kv[1])))
            for k in sorted(self.by_state):
                print("   %-40s %d" % (k, self.by_state[k]))
        new_failures = [f for f in self.failures if not f[2]]
        new_oracles = [f for f in self.oracles if not f[2]]
        print("   FAILURES: %d   ORACLE FINDINGS: %d   (new: %d failures, %d oracle findings)" % (
            len(self.failures), len(self.oracles), len(new_failures), len(new_oracles)))
        for fn, what, _ in self.failures:
            print("   - %s: %s" % (fn, what[:300]))
        for fn, what, _ in self.oracles:
            print("   - (oracle) %s: %s" % (fn, what[:300]))
        if self.o.skip_known and KNOWN_ISSUES:
            print("   (known issues left out: %s)" % ", ".join(sorted(KNOWN_ISSUES)))
        elif not self.o.skip_known:
            for k in sorted(KNOWN_ISSUES):
                print("   known issue %-24s %s" % (k, "reproduced %d time(s)" % self.known_hits[k]
                                              if k in self.known_hits else "NOT reproduced (fixed?)"))
        bad = bool(new_failures) or (self.o.strict and bool(new_oracles))
        return 1 if bad else 0


def import_element_refusal(e, bounds):
    """Why import_users must refuse this element, or None when it may pass."""
    if not isinstance(e, dict):
        return "not an object"
    for k, v in e.items():
        if k not in ("email", "password", "password_hash", "display_name"):
            return "unknown key %r" % k[:20]
        if not isinstance(v, str):
            return "%s is not a string" % k
    if "email" not in e or model_email_ok(e["email"]) is False:
        return "email"
    if "display_name" not in e or model_name_ok(e["display_name"]) is False:
        return "display_name"
    if ("password" in e) == ("password_hash" in e):
        return "password and password_hash: exactly one"
    if "password" in e and not model_password_ok(e["password"]):
        return "password policy"
    if "password_hash" in e and model_phc_ok(e["password_hash"], *bounds) is False:
        return "password_hash"
    return None


def hash_current(h):
    """Is the stored hash at least the current cost (19 MiB, t=2, the
    defaults, which the fuzzer does not change)?"""
    m = PHC_COST.match(h or "")
    return bool(m) and int(m.group(1)) >= 19456 and int(m.group(2)) >= 2


# Who may call what (the GRANTs of the install scripts).
U, A, N = USER, ADMIN, ANON
GRANTS = {
    # login and create_user are granted to userservice_user too, so that the
    # function refuses a signed-in user itself (its statement stays out of the log)
    "create_user": [N, U, A], "get_user": [U, A], "get_user_by_email": [A], "update_user": [U, A],
    "delete_user": [A], "login": [N, U, A], "verify_token": [A], "me": [U, A],
    "change_password": [U, A], "logout_all": [U, A], "list_users": [A], "check_request": [N, U, A],
    "create_post": [U, A], "get_post": [U, A], "update_post": [U, A], "delete_post": [U, A],
    "list_posts": [U, A], "list_users_with_posts": [A], "import_users": [A],
    "unlock_user": [A], "login_attempts": [A],
    "create_signing_key": [], "retire_signing_key": [], "jwks": [],
}
KEY_FNS = {"create_signing_key", "retire_signing_key", "jwks"}


def may_execute(role, fn):
    """EXECUTE, as the fuzzer set the grants up: its plain and NOINHERIT
    roles have it on everything; its trusted role has userservice_trusted's
    (everything but the key functions) and the key functions."""
    if role is None or role in (PLAIN_ROLE, NOINHERIT_ROLE, TRUSTED_ROLE):
        return True
    if role == MEMBER_ROLE:
        return U in GRANTS[fn]
    if role == TRUSTED:
        return fn not in KEY_FNS
    return role in GRANTS[fn]


# Arguments checked (NULL -> 22023) before the caller is classified.
PRE_ARGS = {
    "create_user": ("email", "password", "display_name"), "get_user": ("user_id",),
    "get_user_by_email": ("email",), "update_user": ("user_id",), "delete_user": ("user_id",),
    "login": ("email", "password"), "verify_token": ("token",),
    "change_password": ("current_password", "new_password"), "create_post": ("author_id", "title", "body"),
    "get_post": ("post_id",), "update_post": ("post_id", "patch"), "delete_post": ("post_id",),
    "list_posts": ("author_id",), "import_users": ("users",), "unlock_user": ("user_id",),
    "login_attempts": ("email",),
}

ARITY = {
    "create_user": 3, "get_user": 1, "get_user_by_email": 1, "update_user": 3, "delete_user": 1,
    "login": 2, "verify_token": 1, "me": 0, "change_password": 2, "logout_all": 1,
    "list_users": 3, "check_request": 0, "create_post": 3, "get_post": 1, "update_post": 2,
    "delete_post": 1, "list_posts": 4, "list_users_with_posts": 4, "import_users": 1,
    "unlock_user": 1, "login_attempts": 1, "create_signing_key": 2, "retire_signing_key": 1, "jwks": 1,
}
ARITY = {k: [None] * v for k, v in ARITY.items()}

# entry point -> (weight, generator). login and change_password verify an
# argon2id hash on almost every call: their share stays small.
GENERATORS = {
    "create_user": (10, Fuzzer.g_create_user),
    "get_user": (5, Fuzzer.g_get_user),
    "get_user_by_email": (5, Fuzzer.g_get_user_by_email),
    "update_user": (12, Fuzzer.g_update_user),
    "delete_user": (3, Fuzzer.g_delete_user),
    "login": (4, Fuzzer.g_login),
    "verify_token": (12, Fuzzer.g_verify_token),
    "me": (3, Fuzzer.g_me),
    "change_password": (2, Fuzzer.g_change_password),
    "logout_all": (3, Fuzzer.g_logout_all),
    "list_users": (4, Fuzzer.g_list_users),
    "check_request": (6, Fuzzer.g_check_request),
    "create_post": (6, Fuzzer.g_create_post),
    "get_post": (3, Fuzzer.g_get_post),
    "update_post": (6, Fuzzer.g_update_post),
    "delete_post": (2, Fuzzer.g_delete_post),
    "list_posts": (4, Fuzzer.g_list_posts),
    "list_users_with_posts": (3, Fuzzer.g_list_users_with_posts),
    "import_users": (6, Fuzzer.g_import_users),
    "unlock_user": (2, Fuzzer.g_unlock_user),
    "login_attempts": (2, Fuzzer.g_login_attempts),
    "create_signing_key": (1, Fuzzer.g_create_signing_key),
    "retire_signing_key": (1, Fuzzer.g_retire_signing_key),
    "jwks": (2, Fuzzer.g_jwks),
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default=os.environ.get("PGHOST", "/tmp"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--dbname", default=os.environ.get("PGDATABASE", "postgres"))
    p.add_argument("--user", default=os.environ.get("PGUSER"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--calls", type=int, default=100000)
    p.add_argument("--fresh", action="store_true", help="drop and create the extension first")
    p.add_argument("--server-log", help="server log file to watch for crashes and sanitizer reports")
    p.add_argument("--hash-share", type=float, default=0.02,
                   help="largest share of calls that may run argon2id (default 0.02)")
    p.add_argument("--timeout", type=int, default=10, help="statement_timeout in seconds (a hang)")
    p.add_argument("--skip-known", action="store_true",
                   help="leave out the generators that reproduce the open KNOWN_ISSUES")
    p.add_argument("--strict", action="store_true", help="oracle findings fail the run too")
    p.add_argument("--max-failures", type=int, default=50)
    p.add_argument("--repro-dir", help="write each failure's reproducer to a file here")
    p.add_argument("--progress", action="store_true")
    p.add_argument("--verbose", action="store_true", help="print the outcome count per entry point")
    opts = p.parse_args()
    sys.exit(Fuzzer(opts).run())


if __name__ == "__main__":
    main()
