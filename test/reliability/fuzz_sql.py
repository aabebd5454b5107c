#!/usr/bin/env python3
"""
fuzz_sql.py: call every SQL entry point of userservice with random and
adversarial input, as every web role, and check that each call either
succeeds or raises a documented SQLSTATE.

A failure is any of:
  - an undocumented SQLSTATE (XX000 above all) that the argument's own input
    function does not explain (a jsonb literal PostgreSQL itself refuses is
    not the extension's fault: such calls are counted as "input-rejected");
  - a lost connection or a restarted postmaster (a crashed backend);
  - a statement timeout (a hang: nothing in the API should take seconds);
  - a PANIC, TRAP, sanitizer report or "terminated by signal" line in the
    server log (--server-log).
Oracle findings (a call that succeeded where SPEC.md says it must not, or
stored data that breaks the input rules) are reported too, and fail the run
with --strict. Failures and findings that reproduce an open issue listed in
KNOWN_ISSUES are reported as such and do not fail the run; --skip-known
leaves their generators out altogether.

Every failure is printed with a reproducing SQL script (role, claims and
the call, values as literals); --repro-dir also writes each one to a file.

Usage:
  fuzz_sql.py --host /tmp/sock --port 5432 --dbname postgres \
              --seed 1 --calls 100000 [--fresh] [--server-log FILE]

Requires Debian's python3-psycopg2 and a superuser connection (the fuzzer
switches to the web roles with set_config('role', ..., true), as PostgREST
does, and sets the userservice.* settings it needs for its session).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import re
import sys
import time
import unicodedata

try:
    import psycopg2
    import psycopg2.extensions
except ImportError:  # pragma: no cover
    sys.stderr.write("fuzz_sql.py needs psycopg2: apt-get install python3-psycopg2\n")
    sys.exit(3)

# The error table of SPEC.md, plus 55000 (jwt_secret unset, only while the
# fuzzer has unset it) and 40001/40P01 (acceptable under concurrency).
DOCUMENTED = {"PT404", "23505", "PT409", "22023", "28P01", "28000", "42501", "PT429"}
CONCURRENCY = {"40001", "40P01"}

SECRET = "fuzz-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
ROLES = ["userservice_anon", "userservice_user", "userservice_admin"]
MEMBER_ROLE = "userservice_fuzz_member"  # a role that is a member of userservice_user

# Open findings this fuzzer reproduces (see test/reliability/README.md), by
# name -> description. A call that reproduces one is tagged with its name and
# reported, but does not fail the run; --skip-known leaves its generator out,
# so that the test command stays green until the finding is fixed. Empty at
# 53c86b3: every finding the fuzzer reproduced has been fixed, and its
# generator now runs as a regression check:
#   member-role-is-trusted (fixed in 412ee0e): calls as a role that is a
#     member of userservice_user must be treated as userservice_user;
#   b64-high-byte (fixed in 412ee0e): malleable_token() must be refused;
#   login-self-deadlock (fixed in 03cea59): g_txn's login sequence must not hang.
KNOWN_ISSUES = {}

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


def sign(header_b64, payload_b64, key=SECRET):
    mac = hmac.new(key.encode(), (header_b64 + "." + payload_b64).encode(), hashlib.sha256)
    return b64u(mac.digest())


HEADERS = ['{"alg":"HS256","typ":"JWT"}', '{"alg":"HS256"}', '{"alg":"none","typ":"JWT"}',
           '{"alg":"HS512"}', '{"alg":"RS256"}', '{"alg":"hs256"}', '{"typ":"JWT"}', '{}',
           '{"alg":null}', '{"alg":["HS256"]}', '{"alg":"HS256","alg":"none"}',
           '{"alg":"none","alg":"HS256"}', '{"alg":"HS256\\u0000"}', '{"alg":"HS256","crit":["x"]}',
           '[]', 'null', '"HS256"', '{"alg":"HS256"', '{"alg":"HS256","kid":"../../etc/passwd"}']


def claims_object(rng, known_ids, valid=False):
    now = int(time.time())
    sub_gen = lambda r: json_str(r, str(r.choice(known_ids))) if known_ids and r.random() < 0.7 \
        else r.choice(['"0"', '"-1"', '"1e3"', '" 1"', '"01"', '"9223372036854775807"',
                       '"9223372036854775808"', '"99999999999999999999999999999999"', '1', '""',
                       'null', 'true', '["1"]', '{"id":1}', '"1\\u0000"', '"١"'])
    fields = {
        "sub": sub_gen,
        "role": lambda r: json_str(r, r.choice(ROLES + ["postgres", "", "userservice_admin "])),
        "exp": lambda r: r.choice([str(now + 3600), str(now - 10), "1e308", "-1e308", "0",
                                   '"%d"' % (now + 3600), "null", str(2**63), "1e999",
                                   "%d.5" % now, "[1]"]),
        "iat": lambda r: str(now),
        "nbf": lambda r: r.choice([str(now - 10), str(now + 3600), "1e999", '"x"']),
        "tv": lambda r: r.choice(["1", "2", "1.0", "1.5", "0", "-1", '"1"', "1e308", "null",
                                  "2147483648", "1e-999"]),
        "aud": lambda r: json_str(r, r.choice(["", "api", "x" * 300])),
    }
    if valid:
        sub = rng.choice(known_ids) if known_ids else 1
        return '{"sub":"%d","role":"userservice_user","iat":%d,"exp":%d,"tv":1}' % (sub, now, now + 3600)
    return json_object(rng, fields)


def token_like(rng, known_tokens, known_ids):
    r = rng.random()
    if r < 0.15 and known_tokens:
        return rng.choice(known_tokens)
    if r < 0.35 and known_tokens:
        return mutate_token(rng, rng.choice(known_tokens))
    # build one: header, claims and signature each right or wrong
    header = rng.choice(HEADERS) if rng.random() < 0.8 else json_value(rng)
    if rng.random() < 0.6:
        payload = claims_object(rng, known_ids, valid=rng.random() < 0.3)
    else:
        payload = maybe_broken_json(rng, json_value(rng))
    h = b64u(header.encode("utf-8", "surrogatepass")) if rng.random() < 0.9 else \
        b64u(os.urandom(rng.randint(0, 40)))
    if rng.random() < 0.1:
        p = b64u(bytes(rng.randrange(256) for _ in range(rng.randint(0, 60))))  # not UTF-8
    elif rng.random() < 0.05:
        p = b64u(("{\"a\":\"" + "x" * rng.choice([8200, 20000]) + "\"}").encode())
    else:
        p = b64u(payload.encode("utf-8", "surrogatepass"))
    s = sign(h, p) if rng.random() < 0.7 else rng.choice([
        sign(h, p, "another-secret-of-enough-length-000000"), "", "x", sign(h, p)[:-1],
        sign(h, p) + "A", sign(h, p) + "=", sign(h, p).replace("-", "+").replace("_", "/"),
        b64u(os.urandom(32)), b64u(os.urandom(64))])
    tok = h + "." + p + "." + s
    if rng.random() < 0.2:
        tok = mutate_token(rng, tok)
    return tok


def malleable_token(rng, known_ids):
    """A token signed with SECRET whose signature has "__" before its last
    character, with those two characters replaced by one 2-byte character:
    a different token that must be refused (fixed in 412ee0e)."""
    now = int(time.time())
    h = b64u(b'{"alg":"HS256","typ":"JWT"}')
    sub = rng.choice(known_ids) if known_ids else 1
    for i in range(100000):
        p = b64u(('{"sub":"%d","role":"userservice_user","exp":%d,"tv":1}' % (sub, now + 3600 + i)).encode())
        sig = sign(h, p)
        k = sig.find("__")
        if 0 <= k < 41:
            return h + "." + p + "." + sig[:k] + rng.choice(["é", "ß", "ɏ"]) + sig[k + 2:]
    return h + "." + p + "." + sig


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


def phc_like(rng):
    r = rng.random()
    if r < 0.4:
        return GOOD_PHC
    if r < 0.7:
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
                       "$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,
                       "$argon2id$v=19$m=19456,t=2,p=0$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,
                       rand_text(rng)])


# --------------------------------------------------------------------------
# A Python model of the input rules of SPEC.md (the differential oracle)
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
# The fuzzer
# --------------------------------------------------------------------------

def claims_sub(claims):
    """The user id the claims name: an int, None when they name none, False
    when that cannot be told here (a float, or text that is not JSON)."""
    if not claims:
        return None
    try:
        obj = json.loads(claims)
    except ValueError:
        return False
    if not isinstance(obj, dict):
        return False
    sub = obj.get("sub")
    if sub is None:
        return None
    if isinstance(sub, bool):
        return None
    if isinstance(sub, int):
        return sub
    if isinstance(sub, str) and sub.isdigit() and sub.isascii():
        return int(sub)
    if isinstance(sub, str):
        return None
    return False


class Call:
    """One call: the SQL, its parameters, their types, and the context."""

    def __init__(self, fn, args, context, sql=None, expect=None):
        self.fn = fn
        self.args = args            # list of (name, value, sqltype); value None is NULL
        self.context = context      # (role or None, claims text or None)
        self.sql = sql
        self.expect = expect        # callable(result_rows, error) -> oracle message or None


class Fuzzer:
    def __init__(self, opts):
        self.o = opts
        self.rng = random.Random(opts.seed)
        self.stats = {"calls": 0, "ok": 0, "documented": 0, "input_rejected": 0,
                      "failures": 0, "oracle": 0, "hashes": 0, "txn_scenarios": 0}
        self.by_state = {}
        self.failures = []
        self.oracles = []
        self.conn = None
        self.accounts = {}      # id -> [email, password, role]
        self.tokens = []
        self.post_ids = []
        self.deleted_ids = []
        self.secret_unset = False
        self.n_repro = 0
        self.log_pos = 0
        self.known_hits = {}
        self.scenario_runs = 0
        self.scenario_counts = {}
        self.mem_warm = None

    # -- connection -------------------------------------------------------
    def connect(self):
        self.conn = psycopg2.connect(host=self.o.host, port=self.o.port, dbname=self.o.dbname,
                                     user=self.o.user, application_name="fuzz_sql")
        self.conn.autocommit = True
        with self.conn.cursor() as c:
            c.execute("SET userservice.jwt_secret = %s", (SECRET,))
            c.execute("SET userservice.login_max_failures = 3")
            c.execute("SET userservice.login_lockout = 1")
            c.execute("SET statement_timeout = %s", ("%ds" % self.o.timeout,))
            c.execute("SET client_min_messages = error")
            c.execute("SELECT pg_backend_pid(), pg_postmaster_start_time()")
            self.backend_pid, self.postmaster_start = c.fetchone()

    def scalar(self, sql, params=()):
        with self.conn.cursor() as c:
            c.execute(sql, params)
            return c.fetchone()[0]

    # -- setup ------------------------------------------------------------
    def setup(self):
        self.connect()
        with self.conn.cursor() as c:
            if self.o.fresh:
                c.execute("DROP EXTENSION IF EXISTS userservice CASCADE")
            c.execute("CREATE EXTENSION IF NOT EXISTS userservice")
            c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (MEMBER_ROLE,))
            if not c.fetchone():
                c.execute("CREATE ROLE %s NOLOGIN IN ROLE userservice_user" % MEMBER_ROLE)
        if self.o.server_log and os.path.exists(self.o.server_log):
            self.log_pos = os.path.getsize(self.o.server_log)
        self.replenish()
        with self.conn.cursor() as c:
            c.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
            self.mem_start = c.fetchone()[0]

    def replenish(self):
        """Keep a few accounts whose passwords we know, one admin, tokens and posts."""
        with self.conn.cursor() as c:
            while len(self.accounts) < 4:
                email = valid_email(self.rng, "acct")
                pw = "pw-" + ascii_word(self.rng, 8, 12)
                c.execute("SELECT id FROM userservice.create_user(%s, %s, %s)", (email, pw, "Acct"))
                uid = c.fetchone()[0]
                self.stats["hashes"] += 1
                role = "user"
                if not any(a[2] == "admin" for a in self.accounts.values()):
                    c.execute("SELECT role FROM userservice.update_user(%s, '{\"role\":\"admin\"}')", (uid,))
                    role = c.fetchone()[0]
                self.accounts[uid] = [email, pw, role]
                c.execute("SELECT access_token FROM userservice.login(%s, %s)", (email, pw))
                self.tokens.append(c.fetchone()[0])
                self.stats["hashes"] += 1
                for _ in range(2):
                    c.execute("SELECT id FROM userservice.create_post(%s, %s, %s)",
                              (uid, "post " + ascii_word(self.rng), "body"))
                    self.post_ids.append(c.fetchone()[0])
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

    def context(self, fn=None):
        """(role, claims): who calls. role None is the superuser (trusted).
        Mostly a role that may call fn, sometimes any role."""
        rng = self.rng
        r = rng.random()
        roles = [None] + ROLES
        roles.append(MEMBER_ROLE)
        if fn in GRANTS and rng.random() < 0.7:
            roles = [None] + GRANTS[fn]
        role = rng.choice(roles)
        ids = list(self.accounts)
        if r < 0.55 and ids:
            uid = rng.choice(ids)
            acct = self.accounts[uid]
            if role in (None, "userservice_user", "userservice_admin", MEMBER_ROLE) and rng.random() < 0.5:
                role = "userservice_admin" if acct[2] == "admin" else "userservice_user"
            claims = '{"sub":"%d","role":"%s","tv":%d,"exp":%d}' % (
                uid, role or "postgres", rng.choice([1, 1, 2]), int(time.time()) + 3600)
        elif r < 0.75:
            claims = None
        elif r < 0.87:
            claims = claims_object(rng, ids)
        elif r < 0.92:
            claims = rng.choice(["", "null", "[]", "{", "not json", '{"sub":1}', '{"sub":"1"',
                                 "{\"sub\":\"1\"}" + " " * 9000, '{"a":' * 20 + "1" + "}" * 20,
                                 '{"sub":"\\u0000"}', '{"tv":1e1000}', '{"tv":1e999,"sub":"1"}'])
        else:
            claims = maybe_broken_json(rng, json_value(rng))
        return role, claims

    # -- the entry points ---------------------------------------------------
    def gen_call(self):
        rng = self.rng
        fn = rng.choices(list(GENERATORS), weights=[w for w, _ in GENERATORS.values()])[0]
        return GENERATORS[fn][1](self)

    def g_create_user(self):
        rng = self.rng
        hash_budget = self.stats["hashes"] < self.o.hash_share * (self.stats["calls"] + 50)
        if rng.random() < 0.5 and hash_budget:
            email = valid_email(rng) if rng.random() < 0.7 else random_case(rng, rng.choice(self.known_emails()))
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
        (_, email, _), (_, pw, _), (_, name, _) = call.args
        if call.context[0] in ("userservice_user", MEMBER_ROLE):
            return "role %s created a user" % call.context[0] if err is None else None
        if None in (email, pw, name):
            return None if (err == "22023") else "create_user with a NULL argument gave %s" % (err or "success")
        valid = [model_email_ok(email), model_password_ok(pw), model_name_ok(name)]
        if None in valid:
            return None
        if all(valid) and err == "22023":
            return "create_user refused input the rules accept (22023)"
        if not all(valid) and err is None:
            return "create_user accepted input the rules refuse: email %s password %s name %s" % tuple(valid)
        if err is None:
            uid = rows[0][0]
            self.stats["hashes"] += 1
            if len(self.accounts) < 30:
                self.accounts[uid] = [email, pw, "user"]
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
            "is_active": lambda r: r.choice(["true", "false"]),
            "role": lambda r: json_str(r, r.choice(["user", "admin", "Admin", "root", "", "user "])),
        }

    def hash_ok(self):
        return self.stats["hashes"] < self.o.hash_share * (self.stats["calls"] + 50)

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
            patch = json.loads(call.args[1][1])
        except Exception:
            return None
        if not isinstance(patch, dict):
            return "update_user accepted a patch that is not an object"
        for k, v in patch.items():
            if k not in ("email", "password", "display_name", "is_active", "role"):
                return "update_user accepted unknown key %r" % k
            if v is None:
                return "update_user accepted null for %r" % k
        # json.loads keeps the last duplicate, as jsonb does
        if "email" in patch and model_email_ok(patch["email"]) is False:
            return "update_user stored an email the rules refuse"
        if "display_name" in patch and model_name_ok(patch["display_name"]) is False:
            return "update_user stored a display_name the rules refuse"
        if "password" in patch:
            self.stats["hashes"] += 1
            if not model_password_ok(patch["password"]):
                return "update_user accepted a password the rules refuse"
        role, claims = call.context
        uid = call.args[0][1]
        if role == "userservice_anon":
            return "anonymous update_user succeeded"
        if role in ("userservice_user", MEMBER_ROLE) and (set(patch) & {"password", "is_active", "role"}):
            return "role %s patched an admin-only key" % role
        if role in ("userservice_user", MEMBER_ROLE):
            sub = claims_sub(claims)
            if sub is not False and sub != uid:
                return "role %s patched user %s that is not its own (claims %r)" % (role, uid, (claims or "")[:80])
        acct = self.accounts.get(uid)
        if acct:
            if "email" in patch:
                acct[0] = patch["email"]
            if "password" in patch:
                acct[1] = patch["password"]
            if "role" in patch:
                acct[2] = patch["role"]
        return None

    def g_delete_user(self):
        uid = self.user_id()
        if uid in self.accounts and self.rng.random() < 0.7:
            uid = self.rng.randint(10**6, 10**7)  # keep most known accounts alive
        return Call("delete_user", [("user_id", uid, "bigint")], self.context("delete_user"), expect=self.expect_delete)

    def expect_delete(self, call, rows, err):
        uid = call.args[0][1]
        if err is None:
            role = call.context[0]
            if role in ("userservice_anon", "userservice_user", MEMBER_ROLE):
                return "role %s deleted user %s" % (role, uid)
            self.accounts.pop(uid, None)
            self.deleted_ids.append(uid)
        return None

    def g_login(self):
        rng = self.rng
        if not self.hash_ok() and rng.random() < 0.9:
            # NULL arguments fail before any hash is verified
            return Call("login", [("email", None if rng.random() < 0.5 else "x@y.z", "text"),
                                  ("password", None, "text")], self.context("login"))
        r = rng.random()
        if r < 0.4 and self.accounts:
            uid = rng.choice(list(self.accounts))
            email, pw, _ = self.accounts[uid]
            email = random_case(rng, email) if rng.random() < 0.5 else email
            if rng.random() < 0.3:
                pw = mutate_text(rng, pw)
        else:
            email, pw = email_like(rng, self.known_emails()), password_like(rng)
        self.stats["hashes"] += 1
        return Call("login", [("email", email, "text"), ("password", pw, "text")],
                    self.context("login"), expect=self.expect_login)

    def expect_login(self, call, rows, err):
        if err is None and rows:
            tok = rows[0][0]
            if len(self.tokens) < 40:
                self.tokens.append(tok)
            parts = tok.split(".")
            if len(parts) != 3 or sign(parts[0], parts[1]) != parts[2]:
                return "login issued a token that does not verify under the secret"
        return None

    def g_verify_token(self):
        rng = self.rng
        if rng.random() < 0.01 and self.scenario_counts.get("malleable", 0) < 20:
            self.scenario_counts["malleable"] = self.scenario_counts.get("malleable", 0) + 1
            return Call("verify_token", [("token", malleable_token(rng, list(self.accounts)), "text")],
                        (rng.choice([None, "userservice_admin"]), None), expect=self.expect_verify)
        tok = token_like(rng, self.tokens, list(self.accounts)) if rng.random() < 0.97 else None
        return Call("verify_token", [("token", tok, "text")], self.context("verify_token"), expect=self.expect_verify)

    def expect_verify(self, call, rows, err):
        if err is None and rows:
            tok = call.args[0][1]
            parts = tok.split(".")
            if len(parts) != 3 or sign(parts[0], parts[1]) != parts[2]:
                return "verify_token accepted a token with a wrong signature"
            try:
                hdr = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
                if not isinstance(hdr, dict) or hdr.get("alg") != "HS256":
                    return "verify_token accepted a token whose alg is not HS256"
            except Exception:
                return "verify_token accepted a token whose header is not JSON"
            claims = rows[0][0]
            exp = claims.get("exp") if isinstance(claims, dict) else None
            if not isinstance(exp, (int, float)) or exp <= time.time() - 5:
                return "verify_token accepted a token without a valid exp: %r" % (exp,)
        return None

    def g_me(self):
        return Call("me", [], self.context("me"))

    def g_change_password(self):
        rng = self.rng
        ctx = self.context("change_password")
        cur = new = None
        if self.hash_ok() and ctx[1] and rng.random() < 0.8:
            m = re.search(r'"sub":"(\d+)"', ctx[1])
            acct = self.accounts.get(int(m.group(1))) if m else None
            cur = acct[1] if acct and rng.random() < 0.7 else password_like(rng)
            new = password_like(rng) if rng.random() < 0.5 else "pw-" + ascii_word(rng, 8, 12)
            self.stats["hashes"] += 2
        else:
            cur, new = rng.choice([(None, "pw-aaaaaaaa"), ("pw-aaaaaaaa", None), (None, None)])
        return Call("change_password", [("current_password", cur, "text"), ("new_password", new, "text")],
                    ctx, expect=self.expect_change_password)

    def expect_change_password(self, call, rows, err):
        if err is None:
            m = re.search(r'"sub":"(\d+)"', call.context[1] or "")
            acct = self.accounts.get(int(m.group(1))) if m else None
            if acct:
                acct[1] = call.args[1][1]
            if not model_password_ok(call.args[1][1]):
                return "change_password accepted a new password the rules refuse"
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
        return Call("list_users", args, self.context("list_users"), expect=self.expect_admin_only)

    def expect_admin_only(self, call, rows, err):
        role = call.context[0]
        if err is None and role in ("userservice_anon", "userservice_user", MEMBER_ROLE):
            return "role %s called admin-only %s" % (role, call.fn)
        return None

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
            title = call.args[1][1]
            body = call.args[2][1] if len(call.args) > 2 else ""
            if model_text_ok(title, 1, 200) is False or model_text_ok(body, 0, 100000, True) is False:
                return "create_post stored a title or body the rules refuse"
            role, claims = call.context
            sub = claims_sub(claims)
            if role in ("userservice_user", MEMBER_ROLE) and sub is not False and sub != call.args[0][1]:
                return "role %s posted as user %s" % (role, call.args[0][1])
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
                    self.context("update_post"))

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
        return Call("list_users_with_posts", args, self.context("list_users_with_posts"), expect=self.expect_admin_only)

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
                    e = {"email": json_str(rng, valid_email(rng, "imp")),
                         "display_name": json_str(rng, "Imported"),
                         "password_hash": json_str(rng, phc_like(rng))}
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
        if err is None and rows:
            role = call.context[0]
            if role in ("userservice_anon", "userservice_user", MEMBER_ROLE):
                return "role %s imported users" % role
            try:
                doc = json.loads(call.args[0][1])
            except Exception:
                return None
            for e in doc if isinstance(doc, list) else []:
                if isinstance(e, dict):
                    if model_email_ok(e.get("email", "")) is False or model_name_ok(e.get("display_name", "")) is False:
                        return "import_users stored an element the rules refuse: %r" % (str(e)[:200],)
                    if "password" in e:
                        self.stats["hashes"] += 1
        return None

    # -- multi-call transactions (a SQL client, not PostgREST) ---------------
    def g_txn(self):
        """A few calls in one transaction, each in a savepoint."""
        rng = self.rng
        calls = []
        if self.accounts and rng.random() < 0.1 and self.scenario_runs < 5:
            # a success, then a failure, on one account with a counted failure:
            # this used to wait forever for the failure counter (fixed in
            # 03cea59 with a lock_timeout in the worker); it must not hang
            self.scenario_runs += 1
            uid = rng.choice(list(self.accounts))
            email, pw, _ = self.accounts[uid]
            ctx = (None, None)
            calls = [Call("login", [("email", email, "text"), ("password", pw + "x", "text")], ctx),
                     "COMMIT-POINT",
                     Call("login", [("email", email, "text"), ("password", pw, "text")], ctx),
                     Call("login", [("email", email, "text"), ("password", pw + "y", "text")], ctx)]
            self.stats["hashes"] += 3
        else:
            for _ in range(rng.randint(2, 4)):
                c = self.gen_call()
                if not isinstance(c, list):
                    calls.append(c)
        self.stats["txn_scenarios"] += 1
        return calls

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
            rows, state, msg = self.execute(call, in_txn)
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as e:
            self.fail(call, "connection lost (backend crash?): %s" % str(e).strip())
            self.reconnect()
            return
        key = "%s %s" % (call.fn, state or "ok")
        self.by_state[key] = self.by_state.get(key, 0) + 1
        if state is None:
            self.stats["ok"] += 1
        elif state in DOCUMENTED or state in CONCURRENCY or (state == "55000" and self.secret_unset):
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
        if call.expect:
            problem = call.expect(call, rows, state)
            if problem:
                self.oracle(call, problem)

    def repro(self, call):
        lines = ["-- userservice fuzz reproducer (seed %d, call %d)" % (self.o.seed, self.stats["calls"]),
                 "SET userservice.jwt_secret = '%s';" % SECRET,
                 "SET userservice.login_max_failures = 3; SET userservice.login_lockout = 1;"]
        if call.context[0] == MEMBER_ROLE:
            lines.append("CREATE ROLE %s NOLOGIN IN ROLE userservice_user;  -- once" % MEMBER_ROLE)
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
            for line in data.decode("utf-8", "replace").splitlines():
                if LOG_ALARMS.search(line):
                    self.failures.append(("server-log", line, None))
                    print("=== FAILURE (server log): %s" % line, flush=True)

    def contexts(self):
        with self.conn.cursor() as c:
            c.execute("SELECT name, sum(total_bytes), count(*) FROM pg_backend_memory_contexts GROUP BY 1")
            return {n: (b, k) for n, b, k in c.fetchall()}

    def toggle_secret(self):
        with self.conn.cursor() as c:
            if self.secret_unset:
                c.execute("SET userservice.jwt_secret = %s", (SECRET,))
            else:
                c.execute("SET userservice.jwt_secret = ''")
        self.secret_unset = not self.secret_unset

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
            c.execute("SELECT count(*) FROM userservice.users")
            self.n_users = c.fetchone()[0]

    def run(self):
        t0 = time.time()
        self.setup()
        next_check = 500
        while self.stats["calls"] < self.o.calls:
            if self.rng.random() < 0.002:
                self.toggle_secret()
            if self.rng.random() < 0.02:
                calls = self.g_txn()
                try:
                    with self.conn.cursor() as c:
                        c.execute("BEGIN")
                    for call in calls:
                        if call == "COMMIT-POINT":
                            with self.conn.cursor() as c:
                                c.execute("COMMIT; BEGIN")
                            continue
                        self.one(call, in_txn=True)
                    with self.conn.cursor() as c:
                        c.execute("COMMIT")
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    self.reconnect()
                except psycopg2.Error as e:
                    print("transaction scenario: %s" % e)
                    with self.conn.cursor() as c:
                        c.execute("ROLLBACK")
            else:
                self.one(self.gen_call())
            if self.stats["calls"] >= next_check:
                next_check += 500
                if self.mem_warm is None and self.stats["calls"] >= min(5000, self.o.calls // 2):
                    self.mem_warm = (self.stats["calls"],
                                     self.scalar("SELECT sum(total_bytes) FROM pg_backend_memory_contexts"),
                                     self.contexts())
                if self.secret_unset:
                    self.toggle_secret()
                self.replenish()
                self.check_server()
                if self.o.progress and self.stats["calls"] % 10000 < 500:
                    print("... %d calls, %.0f s, %d failures" % (self.stats["calls"], time.time() - t0,
                                                                   len(self.failures)), flush=True)
            if self.o.max_failures and len(self.failures) >= self.o.max_failures:
                print("stopping: %d failures" % len(self.failures))
                break
        self.elapsed = time.time() - t0
        return self.finish()

    def finish(self):
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
        for fn, what, _ in self.oracles[self.stats["oracle"]:]:
            print("=== ORACLE (consistency): %s: %s" % (fn, what))
        elapsed = getattr(self, "elapsed", 0)
        print("\n== fuzz_sql summary: seed %d, %d calls in %.1f s (%.0f calls/s)" % (
            self.o.seed, self.stats["calls"], elapsed, self.stats["calls"] / max(elapsed, 0.001)))
        print("   succeeded %(ok)d, documented errors %(documented)d, refused by an input function "
              "%(input_rejected)d, multi-call transactions %(txn_scenarios)d, hashes ~%(hashes)d" % self.stats)
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


# Who may call what (the GRANTs of the install scripts).
U, A, N = "userservice_user", "userservice_admin", "userservice_anon"
GRANTS = {
    "create_user": [N, A], "get_user": [U, A], "get_user_by_email": [A], "update_user": [U, A],
    "delete_user": [A], "login": [N, A], "verify_token": [A], "me": [U, A],
    "change_password": [U, A], "logout_all": [U, A], "list_users": [A], "check_request": [N, U, A],
    "create_post": [U, A], "get_post": [U, A], "update_post": [U, A], "delete_post": [U, A],
    "list_posts": [U, A], "list_users_with_posts": [A], "import_users": [A],
}

ARITY = {
    "create_user": 3, "get_user": 1, "get_user_by_email": 1, "update_user": 3, "delete_user": 1,
    "login": 2, "verify_token": 1, "me": 0, "change_password": 2, "logout_all": 1,
    "list_users": 3, "check_request": 0, "create_post": 3, "get_post": 1, "update_post": 2,
    "delete_post": 1, "list_posts": 4, "list_users_with_posts": 4, "import_users": 1,
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
    "login": (3, Fuzzer.g_login),
    "verify_token": (12, Fuzzer.g_verify_token),
    "me": (3, Fuzzer.g_me),
    "change_password": (2, Fuzzer.g_change_password),
    "logout_all": (3, Fuzzer.g_logout_all),
    "list_users": (4, Fuzzer.g_list_users),
    "check_request": (5, Fuzzer.g_check_request),
    "create_post": (6, Fuzzer.g_create_post),
    "get_post": (3, Fuzzer.g_get_post),
    "update_post": (6, Fuzzer.g_update_post),
    "delete_post": (2, Fuzzer.g_delete_post),
    "list_posts": (4, Fuzzer.g_list_posts),
    "list_users_with_posts": (3, Fuzzer.g_list_users_with_posts),
    "import_users": (6, Fuzzer.g_import_users),
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
