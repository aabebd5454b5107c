# 006_signing_keys.pl: no login role can read anything that signs a token
# 1.3 accepts.
#
# The attack on 1.2: userservice.so is loaded lazily, so in a backend that
# has not loaded it (any backend of a database without the extension), a
# userservice.jwt_secret set in postgresql.conf or by ALTER SYSTEM is a plain
# placeholder setting that every role can SHOW. With it anyone signs an admin
# token.
#
# Two clusters: one installed fresh at 1.3 and configured the documented way
# (create_signing_key), one installed at 1.2 and configured the 1.2 way
# (ALTER SYSTEM SET userservice.jwt_secret), then upgraded by the README's
# procedure. In each, a plain LOGIN role in a database without the extension
# and in the extension's database collects every setting it can see (SHOW,
# current_setting, pg_settings, pg_db_role_setting) and signs an admin token
# with each value; 1.3 refuses every one of them. The same forgery with the
# real key is accepted (so the forging is right), and on the 1.2 cluster it
# works with the leaked secret until the procedure has rotated the key.
use strict;
use warnings;

use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64url);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $old_secret = 'the-1.2-way-secret-0123456789-0123456789';

# An HS256 token with these claims, signed with key, without a kid (1.3
# tries every key that verifies).
sub forge
{
	my ($key, $claims) = @_;
	my $signed = encode_base64url('{"alg":"HS256","typ":"JWT"}') . '.' . encode_base64url($claims);
	return $signed . '.' . encode_base64url(hmac_sha256($signed, $key));
}

# What a plain login role sees of the settings in database db: every
# setting's value that could be a secret.
sub visible_values
{
	my ($node, $db) = @_;
	my @values;
	my ($out, $err) = ('', '');
	# SHOW and current_setting, as mallory.
	$node->psql($db, 'SHOW userservice.jwt_secret',
		stdout => \$out, stderr => \$err,
		connstr => $node->connstr($db) . ' user=mallory');
	push @values, $out if $out ne '';
	$out = $node->safe_psql($db, q{SELECT coalesce(current_setting('userservice.jwt_secret', true), '')},
		connstr => $node->connstr($db) . ' user=mallory');
	push @values, $out if $out ne '';
	# Every setting in pg_settings and every per-database/role setting.
	push @values, split /\n/,
	  $node->safe_psql($db, q{SELECT setting FROM pg_settings WHERE setting <> ''},
		connstr => $node->connstr($db) . ' user=mallory');
	push @values, map { s/^[^=]*=//r } split /\n/,
	  $node->safe_psql($db, q{SELECT unnest(setconfig) FROM pg_db_role_setting},
		connstr => $node->connstr($db) . ' user=mallory');
	return @values;
}

# As the superuser in the extension's database: does 1.3 accept the token?
sub accepted
{
	my ($node, $token) = @_;
	my ($out, $err) = ('', '');
	my $rc = $node->psql('postgres', "SELECT userservice.verify_token('$token')->>'sub'",
		stdout => \$out, stderr => \$err);
	return $rc == 0 && $out ne '';
}

# How many of the tokens 1.3 accepts, in one call.
sub accepted_count
{
	my ($node, @tokens) = @_;
	my $array = join(',', map { "'$_'" } @tokens);
	return $node->safe_psql('postgres', qq{
		CREATE FUNCTION pg_temp.accepted(tokens text[]) RETURNS int LANGUAGE plpgsql AS \$\$
		DECLARE n int := 0; t text;
		BEGIN
			FOREACH t IN ARRAY tokens LOOP
				BEGIN
					PERFORM userservice.verify_token(t);
					n := n + 1;
				EXCEPTION WHEN invalid_authorization_specification THEN NULL;
				END;
			END LOOP;
			RETURN n;
		END \$\$;
		SELECT pg_temp.accepted(ARRAY[$array]::text[]);});
}

sub admin_claims
{
	my ($node) = @_;
	my ($id, $tv) = split /\|/,
	  $node->safe_psql('postgres',
		q{SELECT id, token_version FROM userservice.users WHERE email = 'root@example.com'});
	return sprintf('{"sub":"%s","role":"userservice_admin","tv":%d,"exp":%d}', $id, $tv, time() + 600);
}

# Mallory's attempts on node: no value it can see signs an accepted token.
sub attack
{
	my ($node, $label) = @_;
	my $claims = admin_claims($node);
	my @values = (visible_values($node, 'other'), visible_values($node, 'postgres'));
	ok(scalar(@values) > 50, "$label: mallory sees many settings (" . scalar(@values) . ")");
	my %seen;
	my @tokens = map { forge($_, $claims) } grep { !$seen{$_}++ } @values;
	is(accepted_count($node, @tokens), 0, "$label: none of them signs a token 1.3 accepts");
	# Nor can mallory read the keys any other way.
	my ($rc, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM userservice.signing_keys',
		connstr => $node->connstr('postgres') . ' user=mallory');
	like($err, qr/permission denied/, "$label: mallory cannot read userservice.signing_keys");
	($rc, $out, $err) = $node->psql('postgres', 'SELECT userservice.jwks(true)',
		connstr => $node->connstr('postgres') . ' user=mallory');
	like($err, qr/permission denied/, "$label: ... nor call jwks(true)");
	# The forging is right: with the real signing key the same claims pass.
	my $real = pack('H*', $node->safe_psql('postgres',
		q{SELECT encode(secret, 'hex') FROM userservice.signing_keys WHERE state = 'signing'}));
	ok(accepted($node, forge($real, $claims)), "$label: the same forgery with the real key is accepted (control)");
}

sub setup_node
{
	my ($name, $version) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
	$node->start;
	$node->safe_psql('postgres', 'CREATE ROLE mallory LOGIN');
	$node->safe_psql('postgres', 'CREATE DATABASE other');
	$node->safe_psql('postgres', "CREATE EXTENSION userservice VERSION '$version'");
	my $id = $node->safe_psql('postgres',
		q{SELECT (userservice.create_user('root@example.com', 'root-password-1', 'Root')).id});
	$node->safe_psql('postgres', qq{SELECT userservice.update_user($id, '{"role": "admin"}')});
	return $node;
}

# ---------------------------------------------------------------- fresh 1.3
my $fresh = setup_node('keys_fresh', '1.3');
# The README's way: a random key made in the database.
like($fresh->safe_psql('postgres', q{SELECT userservice.create_signing_key('HS256')}),
	qr/^[0-9a-f]{32}$/, 'fresh 1.3: create_signing_key returns a kid');
attack($fresh, 'fresh 1.3');
$fresh->stop;

# ---------------------------------------------------------------- 1.2, then the README's upgrade
my $old = setup_node('keys_upgraded', '1.2');
# The 1.2 way: LOAD, then ALTER SYSTEM.
$old->safe_psql('postgres',
	"LOAD 'userservice'; ALTER SYSTEM SET userservice.jwt_secret = '$old_secret'; SELECT pg_reload_conf();");
$old->poll_query_until('postgres', q{SELECT current_setting('userservice.jwt_secret', true) IS NOT NULL});

# The attack, on 1.2: mallory reads the secret in a database without the extension.
my $leaked = $old->safe_psql('other', 'SHOW userservice.jwt_secret',
	connstr => $old->connstr('other') . ' user=mallory');
is($leaked, $old_secret, '1.2: mallory reads the secret in a database without the extension (the finding)');

# Step 1 of the README: update. The secret becomes the signing key (no kid,
# so a PostgREST with the plain secret keeps working) and a WARNING says to
# remove the setting.
my ($rc, $out, $err) = $old->psql('postgres', 'ALTER EXTENSION userservice UPDATE');
is($rc, 0, 'ALTER EXTENSION userservice UPDATE');
like($err, qr/WARNING:  userservice\.jwt_secret is set: remove it/, '... warns about the setting');
is($old->safe_psql('postgres', q{SELECT state || ',' || omit_kid::text FROM userservice.signing_keys}),
	'signing,true', '... which is now the signing key, signing without kid');
my $claims = admin_claims($old);
ok(accepted($old, forge($leaked, $claims)), 'right after the update, the leaked secret still signs (why the README rotates)');

# Steps 2 and 3: remove the setting, reload; rotate to a fresh key; retire the migrated one.
my $migrated = $old->safe_psql('postgres', q{SELECT kid FROM userservice.signing_keys});
$old->safe_psql('postgres', 'ALTER SYSTEM RESET userservice.jwt_secret; SELECT pg_reload_conf();');
$old->poll_query_until('other', q{SELECT coalesce(current_setting('userservice.jwt_secret', true), '') = ''});
$old->safe_psql('postgres', q{SELECT userservice.create_signing_key('HS256')});
$old->safe_psql('postgres', qq{SELECT userservice.retire_signing_key('$migrated')});
ok(!accepted($old, forge($leaked, $claims)), 'after the procedure, the leaked secret signs nothing');
attack($old, 'upgraded 1.2');
$old->stop;

done_testing();
