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

# A database still at schema 1.2, whose login has no standby rule of its own.
$primary->safe_psql('postgres', 'CREATE DATABASE legacy');
$primary->safe_psql('legacy', q{CREATE EXTENSION userservice VERSION '1.2'});
$primary->safe_psql('legacy', q{SELECT (userservice.create_user('lee@example.com', 'lee-password-1', 'Lee')).id});
is($primary->safe_psql('legacy', q{SET userservice.jwt_secret = 'legacy-secret-0123456789-0123456789'; SELECT token_type FROM userservice.login('lee@example.com', 'lee-password-1')}),
	'bearer', 'primary, schema 1.2: login works (the control)');

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
like($err, qr/cannot call a password function on a standby/, 'standby: the message says why');
is(sqlstate_of($standby, 'postgres', q{SELECT userservice.create_user('new@example.com', 'new-password-1', 'New')}), 'PT503',
	'standby: create_user is refused before it hashes');
# The entry points of schema 1.2 have no standby rule of their own: before
# the shared one, a 1.2 login on a standby issued a token, uncounted.
is(sqlstate_of($standby, 'legacy', q{SET userservice.jwt_secret = 'legacy-secret-0123456789-0123456789'; SELECT userservice.login('lee@example.com', 'lee-password-1')}),
	'PT503', 'standby, schema 1.2: login is refused too');
is(sqlstate_of($standby, 'legacy', q{SET userservice.jwt_secret = 'legacy-secret-0123456789-0123456789'; SET request.jwt.claims = '{"sub": "1"}'; SELECT userservice.change_password('wrong-password-1', 'new-password-1')}),
	'PT503', 'standby, schema 1.2: change_password is no guessing oracle');
is($standby->safe_psql('postgres', "SELECT email FROM userservice.get_user($id)"), 'sam@example.com',
	'standby: reads work');
is($standby->safe_psql('postgres', "SELECT userservice.verify_token('$token')->>'sub'"), $id,
	'standby: a token issued by the primary verifies');
is(sqlstate_of($primary, 'postgres', q{SELECT userservice.login('sam@example.com', 'sam-password-1')}), 'ok',
	'primary: login works');

$standby->stop;
$primary->stop;
done_testing();
