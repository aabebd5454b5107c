# 008_log_privacy.pl: no password or secret reaches the server log.
#
# A failed call sent as a simple query is logged with its statement text
# (the STATEMENT line, log_min_error_statement = error by default), and the
# text holds the password. Every function that takes a password or a secret
# marks its errors errhidestmt. The control: an ordinary failing statement
# is still logged with its text, so the log is really being read.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $node = PostgreSQL::Test::Cluster->new('log_privacy');
$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
# The test framework logs every statement (log_statement = all): that logs
# the text before any function runs, which no function can hide (the README
# says so). Here the defaults a server runs with.
$node->append_conf('postgresql.conf',
	"log_statement = none\nlog_min_error_statement = error\nlog_error_verbosity = verbose");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION userservice');
$node->safe_psql('postgres', q{SELECT userservice.create_signing_key('HS256')});
my $id = $node->safe_psql('postgres',
	q{SELECT (userservice.create_user('pat@example.com', 'pat-password-1', 'Pat')).id});

# Each call fails, and each names a password or secret no other call names.
my @calls = (
	[ 'login, wrong password', q{SELECT userservice.login('pat@example.com', 'Secret-Login-1')} ],
	[ 'login, unknown email', q{SELECT userservice.login('nobody@example.com', 'Secret-Login-2')} ],
	[ 'login, password too long', "SELECT userservice.login('pat\@example.com', 'Secret-Login-3' || repeat('x', 2000))" ],
	[ 'create_user, taken email', q{SELECT userservice.create_user('pat@example.com', 'Secret-Create-1', 'Pat')} ],
	[ 'create_user, bad name', q{SELECT userservice.create_user('new@example.com', 'Secret-Create-2', '')} ],
	[ 'update_user, stale version', "SELECT userservice.update_user($id, '{\"password\": \"Secret-Patch-1\"}', 99)" ],
	[ 'change_password, wrong current',
	  "SET request.jwt.claims = '{\"sub\": \"$id\"}'; SELECT userservice.change_password('Secret-Change-1', 'Secret-Change-2')" ],
	[ 'import_users, duplicate',
	  q{SELECT userservice.import_users('[{"email": "pat@example.com", "display_name": "P", "password": "Secret-Import-1"}]')} ],
	[ 'create_signing_key, short secret', q{SELECT userservice.create_signing_key('HS256', 'Secret-Key-1')} ],
	# Refused in a read-only transaction, named through search_path so that
	# only the function itself can hide the text (the red team's finding).
	[ 'login, read-only, unqualified',
	  q{SET search_path = userservice; BEGIN READ ONLY; SELECT login('pat@example.com', 'Secret-ReadOnly-1')} ],
	[ 'create_signing_key, read-only',
	  q{BEGIN READ ONLY; SELECT userservice.create_signing_key('HS256', 'Secret-ReadOnly-Key-0123456789-abcdef')} ],
	# A token is a bearer credential: a refused verify_token keeps it out too
	# (in a backend that has loaded the module, as above).
	[ 'verify_token, by a signed-in user',
	  "SELECT userservice.get_user($id); SET request.jwt.claims = '{\"sub\": \"$id\", \"tv\": 1, \"exp\": 4102444800}'; SET ROLE userservice_user; SELECT userservice.verify_token('Secret-Token-1')" ],
);

# Refused by PostgreSQL's privilege check before the function runs, in a
# backend that has loaded the module (the fuzzer's finding).
push @calls, [ 'change_password by anon, no grant',
	"SELECT userservice.get_user($id); SET ROLE userservice_anon; SELECT userservice.change_password('Secret-Grant-1', 'Secret-Grant-2')" ];

for my $call (@calls)
{
	my ($label, $sql) = @$call;
	my ($rc, $out, $err) = $node->psql('postgres', $sql);
	like($err, qr/ERROR/, "$label: fails");
}
my ($rc, $out, $err) = $node->psql('postgres', q{SELECT 1 / 0 AS "Control-Marker-1"});
like($err, qr/division by zero/, 'control: fails');

my $log = slurp_file($node->logfile);
like($log, qr/STATEMENT:\s+SELECT 1 \/ 0 AS "Control-Marker-1"/, 'control: an ordinary statement is logged with its text');
for my $secret (qw(Secret-Login-1 Secret-Login-2 Secret-Login-3 Secret-Create-1 Secret-Create-2
	Secret-Patch-1 Secret-Change-1 Secret-Change-2 Secret-Import-1 Secret-Key-1 Secret-Grant-1
	Secret-ReadOnly-1 Secret-ReadOnly-Key Secret-Token-1))
{
	unlike($log, qr/\Q$secret\E/, "the log never holds $secret");
}
like($log, qr/ERROR:  28P01: invalid email or password/, 'the failed logins themselves are logged (without their text)');

# log_min_duration_statement logs a statement after it ends, a successful
# one too (a login is slow: it hashes), with its text or, for a bound
# parameter, the value in the DETAIL: those lines keep only the duration
# (the red team's finding).
$node->append_conf('postgresql.conf', 'log_min_duration_statement = 0');
$node->reload;
my $offset = -s $node->logfile;
$node->safe_psql('postgres', q{SELECT token_type FROM userservice.login('pat@example.com', 'pat-password-1')});
$node->safe_psql('postgres', q{SELECT id FROM userservice.create_user('duration@example.com', 'Secret-Duration-1', 'D')});
my $script = "$tmp/login.sql";
open my $fh, '>', $script or die $!;
print $fh "SELECT token_type FROM userservice.login('pat\@example.com', :pw);\n";
close $fh;
# The parse and bind lines come before any function runs: only a backend
# that loaded the module at its start (session_preload_libraries, as the
# README advises where statements are logged) redacts them.
{
	local $ENV{PGOPTIONS} = '-c session_preload_libraries=userservice';
	$node->command_ok(
		[ 'pgbench', '-n', '-M', 'extended', '-t', '1', '-D', 'pw=pat-password-1', '-f', $script,
		  $node->connstr('postgres') ],
		'pgbench: a login with the password as a bound parameter');
}
my $later = substr(slurp_file($node->logfile), $offset);
like($later, qr/duration: [0-9.]+ ms \(text of a userservice password call not logged\)$/m, 'duration lines are logged ...');
unlike($later, qr/pat-password-1|Secret-Duration-1/, '... without the text or the parameters of password calls');
like($later, qr/duration: [0-9.]+ ms  statement: SELECT pg_catalog/m, 'other statements keep their text')
  if $later =~ /statement: SELECT pg_catalog/;
$node->append_conf('postgresql.conf', 'log_min_duration_statement = -1');

# log_statement = all logs a statement's text before it runs. In a backend
# that has loaded the module (a pooled PostgREST connection after its first
# call), the log hook keeps only the kind of line; the first statement of a
# fresh backend is logged before the module loads (the README says so).
$node->append_conf('postgresql.conf', 'log_statement = all');
$node->reload;
$offset = -s $node->logfile;
$node->psql('postgres', q{SELECT userservice.login('pat@example.com', 'Secret-Logged-1')});
like(substr(slurp_file($node->logfile), $offset), qr/Secret-Logged-1/,
	'log_statement = all: the first call of a fresh backend is logged with its text (documented)');
$offset = -s $node->logfile;
$node->psql('postgres', q{SELECT userservice.get_user(1); SELECT userservice.login('pat@example.com', 'Secret-Logged-2'); SELECT UserService.Login('pat@example.com', 'Secret-Logged-3')});
my $pooled = substr(slurp_file($node->logfile), $offset);
unlike($pooled, qr/Secret-Logged-[23]/, 'log_statement = all: once loaded, a password call\'s text is not logged (in any letter case)');
like($pooled, qr/statement: \(text of a userservice password call not logged\)/, '... only that a statement ran');

$node->stop;
done_testing();
