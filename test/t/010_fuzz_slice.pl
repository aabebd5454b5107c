# A short fixed-seed slice of the SQL fuzzer (test/reliability/fuzz_sql.py)
# against a throwaway cluster: every call must succeed or raise a documented
# SQLSTATE, no backend may crash, nothing alarming may reach the server log.
#
# The full run (100,000 calls) is test/reliability/run-all.sh. The slice runs
# with --strict: an oracle finding (a call that succeeded where docs/contract.md or the
# GRANTs say it must not, stored data breaking the input rules) fails it too.
# --skip-known leaves out the generators of open findings listed in
# fuzz_sql.py's KNOWN_ISSUES (none at the time of writing). The slice also
# checks that the run reached the successful paths (logins, tokens the
# fuzzer signed, signed-in web-role calls) and the throttle's PT429, so that
# it cannot pass with every call refused.
#
# Settings: FUZZ_SLICE_CALLS (default 3000), FUZZ_SLICE_SEED (default 1).
# Needs python3 with psycopg2 (Debian: python3-psycopg2).
use strict;
use warnings;

use File::Basename qw(dirname);
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $fuzzer = File::Spec->rel2abs(
	File::Spec->catfile(dirname(__FILE__), '..', 'reliability', 'fuzz_sql.py'));
my $calls = $ENV{FUZZ_SLICE_CALLS} // 3000;
my $seed = $ENV{FUZZ_SLICE_SEED} // 1;

# Debian's python3 first: a python3 earlier in PATH (pyenv) may lack psycopg2.
my ($python) = grep {
	-x $_ && system($_, '-c', 'import psycopg2') == 0
} ('/usr/bin/python3', map { "$_/python3" } split(/:/, $ENV{PATH}));
if (!defined $python)
{
	# Failing, not skipping: a skipped slice would look like a green one.
	fail('python3 with psycopg2 is installed (apt-get install python3-psycopg2)');
	done_testing();
	exit 0;
}

my $node = PostgreSQL::Test::Cluster->new('fuzz');
$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
$node->append_conf('postgresql.conf', "log_min_messages = warning\n");
$node->start;

my ($stdout, $stderr);
my $started = time;
my $ok = IPC::Run::run(
	[
		$python, $fuzzer,
		'--host' => $node->host,
		'--port' => $node->port,
		'--dbname' => 'postgres',
		'--seed' => $seed,
		'--calls' => $calls,
		'--fresh', '--skip-known', '--strict',
		'--server-log' => $node->logfile,
	],
	'>' => \$stdout,
	'2>' => \$stderr);
my $elapsed = time - $started;

note $stdout;
diag "fuzz_sql.py stderr:\n$stderr" if $stderr ne '';
ok($ok, "fuzz slice: $calls calls, seed $seed, in ${elapsed}s: no crash, no undocumented SQLSTATE, no oracle finding")
  or diag $stdout;
like($stdout, qr/FAILURES: 0   ORACLE FINDINGS: 0 /, 'the fuzzer reports no failure and no oracle finding');

# The slice must not pass vacuously: with schema 1.3 logins need a signing
# key and web roles need strict, unrevoked claims, so check that the run
# really reached the successful paths, and the throttle's refusal too.
my ($logins) = $stdout =~ /logins: (\d+) succeeded/;
my ($wrong) = $stdout =~ /tokens for a wrong password: (\d+)/;
my ($accepted, $crafted) = $stdout =~ /verify_token: (\d+) accepted \((\d+) crafted/;
my ($claims) = $stdout =~ /web-role calls with claims that passed: (\d+)/;
my ($pt429) = $stdout =~ /PT429: (\d+);/;
my ($judged) = $stdout =~ /outcomes judged exactly by the model: (\d+)/;
note "logins succeeded: " . ($logins // 'none') . ", tokens accepted: " . ($accepted // 'none')
  . " (" . ($crafted // 'none') . " crafted), web-role calls that passed: " . ($claims // 'none')
  . ", PT429: " . ($pt429 // 'none') . ", judged: " . ($judged // 'none');
cmp_ok($logins // 0, '>', 0, 'some logins succeeded');
is($wrong // -1, 0, 'no login returned a token for a wrong password');
cmp_ok($crafted // 0, '>', 0, 'some tokens the fuzzer signed itself were accepted by verify_token');
cmp_ok($claims // 0, '>', 0, 'some calls as a signed-in web role passed the strict claim and revocation checks');
cmp_ok($pt429 // 0, '>', 0, 'the login throttle refused some attempts with PT429');
cmp_ok($judged // 0, '>', $calls / 2, 'the model judged the outcome of most calls exactly');

# The server still answers; the log shows no crash (the fuzzer also checks
# that pg_postmaster_start_time() did not change).
is($node->safe_psql('postgres', "SELECT count(*) > 0 FROM userservice.users"),
	't', 'the server answers after the slice');
my $log = PostgreSQL::Test::Utils::slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|TRAP:|AddressSanitizer|runtime error:/,
	'no crash, assertion or sanitizer report in the server log');

$node->stop;
done_testing();
