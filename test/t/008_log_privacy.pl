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
);

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
	Secret-Patch-1 Secret-Change-1 Secret-Change-2 Secret-Import-1 Secret-Key-1))
{
	unlike($log, qr/\Q$secret\E/, "the log never holds $secret");
}
like($log, qr/ERROR:  28P01: invalid email or password/, 'the failed logins themselves are logged (without their text)');

# What the README warns about: log_statement = all records the text before
# the call runs.
$node->append_conf('postgresql.conf', 'log_statement = all');
$node->reload;
$node->psql('postgres', q{SELECT userservice.login('pat@example.com', 'Secret-Logged-1')});
like(slurp_file($node->logfile), qr/Secret-Logged-1/, 'log_statement = all does log the text (documented)');

$node->stop;
done_testing();
