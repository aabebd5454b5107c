#!/usr/bin/env python3
"""Run every ```sql block of README.md, in order, in one psql session, on the
cluster scripts/run.sh made (its demo already ran), and check that each does
what the text around it says. Prints TAP lines ("ok N - ...").

usage: examples.py README.md HOST PORT
"""
import json
import os
import re
import subprocess
import sys
import tempfile

readme, host, port = sys.argv[1], sys.argv[2], sys.argv[3]
PSQL = ['psql', '-X', '-q', '-A', '-P', 'pager=off', '-h', host, '-p', port, '-U', 'postgres']

n = 0
failed = 0


def check(ok, what, detail=''):
    global n, failed
    n += 1
    print(('ok' if ok else 'not ok') + ' %d - README: %s' % (n, what))
    if not ok:
        failed += 1
        for line in str(detail).splitlines():
            print('#   ' + line)


def sql(query, db='userservice', **kw):
    r = subprocess.run(PSQL + ['-t', '-d', db, '-c', query], capture_output=True, text=True, **kw)
    return r.stdout.strip() if r.returncode == 0 else 'ERROR: ' + r.stderr.strip()


# The blocks: (README line of the opening fence, text).
blocks = []
lines = open(readme, encoding='utf-8').read().split('\n')
i = 0
while i < len(lines):
    if lines[i].strip() == '```sql':
        j = i + 1
        while lines[j].strip() != '```':
            j += 1
        blocks.append((i + 1, '\n'.join(lines[i + 1:j])))
        i = j
    i += 1

# What each block must show, found by a statement it contains. A check whose
# block is gone fails: a changed example needs its check changed with it.
EXPECT = [
    ("update_user(:admin_id, '{\"role\": \"admin\"}')", 'the first administrator is made',
     [r'^admin@example\.com\|admin$']),
    ("create_user('Ann@Example.com'", 'accounts: create, get, get by email in any case, patch',
     [r'^(\d+)\|Ann@Example\.com\|Ann\|t\|user\|1\|',          # get_user
      r'^\d+\|Ann@Example\.com\|Ann\|t\|user\|1\|(.|\n)*^\d+\|Ann@Example\.com\|Ann\|t\|user\|1\|',  # by email
      r'^\d+\|Ann@Example\.com\|Ann Lee\|t\|user\|2\|']),      # patched: version 2
    ("create_signing_key('HS256')", 'tokens: a new signing key, login, the claims',
     [r'^create_signing_key\n[A-Za-z0-9_-]{16,}$',
      r'"sub": "\d+"', r'"role": "userservice_user"', r'"tv": 1\b']),
    ("userservice.me()", 'the recipe acts as the token\'s user, then revocation',
     [r'^claims_set\|role\nt\|userservice_user$',
      r'^is_ann\|email\|display_name\|version\nt\|Ann@Example\.com\|Ann Lee\|2$',
      r'^token_revoked\nt$',
      r'^id\|email\|role\n\d+\|admin@example\.com\|admin\n\d+\|Ann@Example\.com\|user\n\(2 rows\)',
      r'^id\|email\|role\n\d+\|bob@example\.com\|user\n\(1 row\)']),
    ("create_post(:ann_id, 'Hello'", 'posts, paging, users with posts, import, delete',
     [r'^same_post\|title\nt\|Hello, world$',
      r'^id\|title\n\d+\|Hello, world\n\(1 row\)',
      r'^id\|title\n\(0 rows\)',
      r'\|Ann@Example\.com\|\[\{[^\n]*"title": "Hello, world"',
      r'^created\|ids\n2\|\{\d+,\d+\}$',
      r'^bobs_posts\n0$']),
    ("CREATE ROLE authenticator", 'the PostgREST roles', []),
    ("DROP EXTENSION userservice", 'uninstall', []),
]

# A setting of the operator's own, which the uninstall block must remove.
sql("ALTER SYSTEM SET userservice.login_window = '10min'")
sql("SELECT pg_reload_conf()")



def run_blocks(chosen):
    """Run the chosen blocks in one psql session; check that none fails and
    return each block's output."""
    script = ['\\set ON_ERROR_STOP 1']
    where = []          # (first script line of the block, README line)
    for k in chosen:
        script.append("\\echo '@@ block %d'" % k)
        where.append((len(script) + 1, blocks[k][0] + 1))
        script.extend(blocks[k][1].split('\n'))
    with tempfile.NamedTemporaryFile('w', suffix='.sql', delete=False) as f:
        f.write('\n'.join(script) + '\n')
        path = f.name
    r = subprocess.run(PSQL + ['-d', 'userservice', '-f', path], capture_output=True, text=True)
    os.unlink(path)
    outputs = {}
    for part in re.split(r'^@@ block ', r.stdout, flags=re.M)[1:]:
        k, _, out = part.partition('\n')
        outputs[int(k)] = out
    lines = 'README lines %d-%d' % (blocks[chosen[0]][0], blocks[chosen[-1]][0])
    m = re.search(r'^psql:[^:]*:(\d+): (ERROR|FATAL):.*', r.stderr, re.M)
    if m:
        line = int(m.group(1))
        start = max(w for w in where if w[0] <= line)
        check(False, '%d sql blocks run in order (%s)' % (len(chosen), lines),
              'README line %d: %s' % (start[1] + line - start[0], r.stderr))
    else:
        check(r.returncode == 0, '%d sql blocks run in order without an error (%s)' % (len(chosen), lines),
              r.stderr)
    return outputs


def check_outputs(outputs):
    for snippet, what, patterns in EXPECT:
        ks = [k for k, (_, text) in enumerate(blocks) if snippet in text]
        if not ks or ks[0] not in outputs:
            continue
        out = outputs[ks[0]]
        missing = [p for p in patterns if not re.search(p, out, re.M)]
        check(not missing, '%s (line %d)' % (what, blocks[ks[0]][0]), 'expected %s in:\n%s' % (missing, out))


# Every block but those of the Uninstall section, which run last.
uninstall_at = next(i for i, l in enumerate(lines) if l.startswith('## Uninstall')) + 1
body = [k for k, (at, _) in enumerate(blocks) if at < uninstall_at]
tail = [k for k, (at, _) in enumerate(blocks) if at > uninstall_at]
check(len(body) >= 6 and len(tail) >= 1, 'README has its sql blocks (%d, then %d to uninstall)' % (len(body), len(tail)))
for snippet, what, _ in EXPECT:
    if not any(snippet in text for _, text in blocks):
        check(False, what, 'no sql block contains %r' % snippet)
check_outputs(run_blocks(body))

# What the text says beyond the blocks' own output, before the uninstall.
# postgrest.conf's db-uri is the one run.sh printed, but for the password
# and the port (the tests' cluster has a port of its own); it logs in.
printed = os.environ.get('USERSERVICE_DB_URI', '')
uri = re.search(r'^db-uri = "([^"]+)"', '\n'.join(lines), re.M).group(1)
pw = re.search(r'^postgres://authenticator:([^@]+)@', printed)
same = pw is not None and re.sub(r':\d+/', ':%s/' % port, uri.replace('PASSWORD', pw.group(1))) == printed
r = subprocess.run(['psql', '-X', '-At', printed, '-c', 'SELECT current_user'], capture_output=True, text=True)
check(same and r.stdout.strip() == 'authenticator',
      "postgrest.conf's db-uri (run.sh prints it with the password) logs in as authenticator over TCP",
      '%s\n%s\n%s' % (uri, printed, r.stderr))
r = subprocess.run(['psql', '-X', '-At', printed.replace(pw.group(1) if pw else '@', 'change%20me'), '-c', 'SELECT 1'],
                   capture_output=True, text=True)
check(r.returncode != 0, "the authenticator's password is run.sh's own, not a known one", r.stdout)
who = sql("SELECT email FROM userservice.login('b@example.com', 'imported password') l, "
          "userservice.users u WHERE u.id = (userservice.verify_token(l.access_token)->>'sub')::bigint")
check(who == 'b@example.com', 'the imported hash logs b in with its password', who)
jwks = sql('SELECT userservice.jwks(true)')
try:
    keys = json.loads(jwks)['keys']
except ValueError:
    keys = []
live = sql("SELECT count(*) FROM userservice.signing_keys WHERE state <> 'retired'")
check(live == '2' and len(keys) == 2 and all(k['kty'] == 'oct' and k['kid'] for k in keys),
      "the JWKS export holds run.sh's key and the README's new one", jwks)

# The sh block that exports the JWKS for PostgREST, run as written but into a
# directory of the test's own (and without the chown: there is no postgrest user).
text = '\n'.join(lines)
export = re.search(r'```sh\n(mkdir -p /etc/postgrest\n.*?)```', text, re.S)
with tempfile.TemporaryDirectory() as d:
    cmd = export.group(1).replace('/etc/postgrest', d) if export else 'false'
    cmd = cmd.replace('-p 54329', '-p ' + port).replace('-h .pgrun', '-h ' + host)
    cmd = '\n'.join(l for l in cmd.split('\n') if not l.startswith('chown'))
    r = subprocess.run(['bash', '-e', '-c', cmd], capture_output=True, text=True)
    try:
        exported = json.load(open(os.path.join(d, 'jwks.json')))['keys']
        mode = os.stat(os.path.join(d, 'jwks.json')).st_mode & 0o777
    except (OSError, ValueError, KeyError):
        exported, mode = [], None
    check(r.returncode == 0 and exported == keys and mode == 0o600,
          'the JWKS export writes the key set to a file only its owner reads',
          '%s %s %s' % (r.stderr, exported, oct(mode or 0)))

check_outputs(run_blocks(tail))

# What the text says beyond the blocks' own output.
roles = sql("SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles "
            "WHERE rolname LIKE 'userservice%' OR rolname = 'authenticator'")
check(roles == '', 'uninstall drops the web roles and authenticator', roles)
left = sql("SELECT string_agg(name, ',') FROM pg_file_settings WHERE name LIKE 'userservice.%'")
check(left == '', "uninstall resets what ALTER SYSTEM set (postgresql.auto.conf)", left)
ext = sql("SELECT count(*) FROM pg_extension WHERE extname = 'userservice'")
schema = sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'userservice'")
check(ext == '0' and schema == '0', 'uninstall drops the extension and its schema', ext + ' ' + schema)

print('# %d README checks, %d failed' % (n, failed))
sys.exit(1 if failed else 0)
