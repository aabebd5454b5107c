# 011_schema_takeover.pl: the red team's privilege attacks on the install.
#
# 1. A non-superuser who owns the schema userservice before CREATE EXTENSION
#    could rename it and plant tables (with triggers) under the old name; the
#    SECURITY DEFINER functions, running as the installing superuser, would
#    use them: a trigger made the attacker superuser. The install refuses a
#    schema it did not make, and every function refuses to run when the
#    schema named userservice is not the extension's or not a superuser's.
# 2. ALTER DEFAULT PRIVILEGES granted a reporting role SELECT on every new
#    table, signing_keys and users included. The install revokes them.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use UserserviceTest;

my $node = PostgreSQL::Test::Cluster->new('takeover');
$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
$node->start;

# ---------------------------------------------------------------- a schema made beforehand
$node->safe_psql('postgres', 'CREATE ROLE mallory LOGIN');
$node->safe_psql('postgres', 'CREATE DATABASE pre');
$node->safe_psql('pre', 'GRANT CREATE ON DATABASE pre TO mallory');
$node->safe_psql('pre', 'CREATE SCHEMA userservice AUTHORIZATION mallory');
is(sqlstate_of($node, 'pre', 'CREATE EXTENSION userservice'), '42501',
	'CREATE EXTENSION refuses a schema owned by a non-superuser');
like(
	(($node->psql('pre', 'CREATE EXTENSION userservice'))[2]),
	qr/schema userservice is not owned by a superuser/, '... and says why');
is($node->safe_psql('pre', q{SELECT count(*) FROM pg_extension WHERE extname = 'userservice'}), '0',
	'... and nothing is installed');

# The same at run time: a superuser gave the schema away after the install,
# and its new owner swapped it for one of its own.
$node->safe_psql('postgres', 'CREATE DATABASE post');
$node->safe_psql('post', 'CREATE EXTENSION userservice');
$node->safe_psql('post', q{SELECT userservice.create_signing_key('HS256')});
$node->safe_psql('post', q{SELECT userservice.create_user('ann@example.com', 'ann-password-1', 'Ann')});
$node->safe_psql('post', 'GRANT CREATE ON DATABASE post TO mallory');
$node->safe_psql('post', 'ALTER SCHEMA userservice OWNER TO mallory');
is(sqlstate_of($node, 'post', q{SELECT userservice.get_user(1)}), '55000',
	'a schema owned by a non-superuser: every function refuses (55000)');
my $connstr = $node->connstr('post') . ' user=mallory';
$node->safe_psql('post', q{
	ALTER SCHEMA userservice RENAME TO us_old;
	CREATE SCHEMA userservice;
	CREATE TABLE userservice.users (id bigint, email text, hashed_password text, display_name text,
	    is_active boolean, role text, version int, created_at timestamptz, updated_at timestamptz,
	    token_version int);
	CREATE FUNCTION userservice.escalate() RETURNS trigger LANGUAGE plpgsql AS
	    $$ BEGIN ALTER ROLE mallory SUPERUSER; RETURN NEW; END $$;
	CREATE TRIGGER t BEFORE INSERT ON userservice.users FOR EACH ROW EXECUTE FUNCTION userservice.escalate();},
	connstr => $connstr);
$node->safe_psql('post', 'ALTER SCHEMA us_old OWNER TO postgres');
is(sqlstate_of($node, 'post', q{SELECT us_old.create_user('eve@example.com', 'eve-password-1', 'Eve')}), '55000',
	'the schema named userservice is not the extension\'s: refused (55000)');
is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'}), 'f',
	'mallory is not a superuser: no planted trigger ran');

# ---------------------------------------------------------------- default privileges
$node->safe_psql('postgres', 'CREATE ROLE reporting LOGIN');
$node->safe_psql('postgres', 'CREATE DATABASE defaults');
$node->safe_psql('defaults',
	'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO reporting; ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO reporting');
$node->safe_psql('defaults', 'CREATE EXTENSION userservice');
$node->safe_psql('defaults', q{SELECT userservice.create_signing_key('HS256')});
my $rconn = $node->connstr('defaults') . ' user=reporting';
for my $table (qw(signing_keys users login_throttle posts))
{
	is(sqlstate_of($node, 'defaults', "SELECT count(*) FROM userservice.$table", connstr => $rconn), '42501',
		"default privileges: reporting cannot read userservice.$table");
}

$node->stop;
done_testing();
