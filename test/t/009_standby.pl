# 009_standby.pl: a hot standby refuses login (PT503), and reads work there.
#
# A standby cannot write the throttle's count, so a login there would allow
# unlimited guessing: it is refused before any password is checked, the
# right password included. Reads that need no count (get_user as the
# superuser, verify_token of a token from the primary) still work.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use UserserviceTest;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1, extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION userservice');
$primary->safe_psql('postgres', q{SELECT userservice.create_signing_key('HS256')});
my $id = $primary->safe_psql('postgres',
	q{SELECT (userservice.create_user('sam@example.com', 'sam-password-1', 'Sam')).id});
my $token = $primary->safe_psql('postgres',
	q{SELECT access_token FROM userservice.login('sam@example.com', 'sam-password-1')});

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is(sqlstate_of($standby, 'postgres', q{SELECT userservice.login('sam@example.com', 'wrong-password-1')}), 'PT503',
	'standby: a wrong password is refused with PT503, not counted and not checked');
is(sqlstate_of($standby, 'postgres', q{SELECT userservice.login('sam@example.com', 'sam-password-1')}), 'PT503',
	'standby: the right password too');
is(sqlstate_of($standby, 'postgres', q{SELECT userservice.login('nobody@example.com', 'wrong-password-1')}), 'PT503',
	'standby: an unknown email gets the same answer');
my ($rc, $out, $err) = $standby->psql('postgres', q{SELECT userservice.login('sam@example.com', 'sam-password-1')});
like($err, qr/login is unavailable on a standby/, 'standby: the message says why');
is($standby->safe_psql('postgres', "SELECT email FROM userservice.get_user($id)"), 'sam@example.com',
	'standby: reads work');
is($standby->safe_psql('postgres', "SELECT userservice.verify_token('$token')->>'sub'"), $id,
	'standby: a token issued by the primary verifies');
is(sqlstate_of($primary, 'postgres', q{SELECT userservice.login('sam@example.com', 'sam-password-1')}), 'ok',
	'primary: login works');

$standby->stop;
$primary->stop;
done_testing();
