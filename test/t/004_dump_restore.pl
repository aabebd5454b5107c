# 004_dump_restore.pl: pg_dump of a database using the extension, restored
# into a new database: every user (hash byte for byte), post, signing key
# and identity sequence comes back, a create after the restore does not
# collide, login works on the restored copy, and a token issued before the
# dump is still good there. The login throttle's counts are not dumped.
#
# Two restores: a plain-format dump through psql into a new database of the
# same cluster, and a custom-format dump through pg_restore into a new
# cluster, where the web roles do not exist yet.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $secret = 'tap-test-secret-0123456789abcdef-0123456789';

my $node = PostgreSQL::Test::Cluster->new('dump_source');
$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
$node->start;

my $tmp = PostgreSQL::Test::Utils::tempdir;

# Non-ASCII text as UTF-8 bytes, the way psql sends and prints it.
my $uni = "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";

# ---------------------------------------------------------------- source
# Installed at 1.0 and updated: the dump of an updated database.
$node->safe_psql('postgres', 'CREATE DATABASE src');
sub src { return $node->safe_psql('src', shift); }
src("CREATE EXTENSION userservice VERSION '1.0'");

sub create_user
{
	my ($node, $db, $email, $password, $name, $memory) = @_;
	my $set = defined $memory ? "SET userservice.password_hash_memory = '$memory';" : '';
	return $node->safe_psql($db,
		"$set SELECT (userservice.create_user('$email', '$password', '$name')).id");
}

my %pw = (
	'ann@example.com'  => 'password-ann',
	'bob@example.com'  => "password-bob-$uni",
	'cee@example.com'  => 'password-cee');
my %id;
$id{$_} = create_user($node, 'src', $_, $pw{$_}, "Name of $_") for sort keys %pw;
src("ALTER EXTENSION userservice UPDATE TO '1.3'");
src("SELECT userservice.create_signing_key('HS256', '$secret')");

# Two hashes at a non-default cost.
$pw{'dee@example.com'} = 'password-dee';
$pw{'eve@example.com'} = 'password-eve';
$id{'dee@example.com'} = create_user($node, 'src', 'dee@example.com', $pw{'dee@example.com'}, "D\xc3\xa9e $uni", '24MB');
$id{'eve@example.com'} = create_user($node, 'src', 'eve@example.com', $pw{'eve@example.com'}, 'Eve', '24MB');
is( src(q{SELECT count(*) FROM userservice.users WHERE hashed_password LIKE '$argon2id$v=19$m=24576,t=2,p=1$%'}),
	'2', 'source: two hashes at m=24MB');
is( src(q{SELECT count(*) FROM userservice.users WHERE hashed_password LIKE '$argon2id$v=19$m=19456,t=2,p=1$%'}),
	'3', 'source: three at the default m=19MB');

# Rows with history: an admin, an inactive account, a patched name, revoked
# tokens, a deleted last user (so users_id_seq is past max(id)).
src(qq{SELECT userservice.update_user($id{'ann@example.com'}, '{"role": "admin"}')});
src(qq{SELECT userservice.update_user($id{'cee@example.com'}, '{"is_active": false, "display_name": "Cee 2"}')});
src(qq{SELECT userservice.logout_all($id{'bob@example.com'})});
my $gone = create_user($node, 'src', 'gone@example.com', 'password-gone', 'Gone');
src(qq{SELECT userservice.delete_user($gone)});

# Posts, the last one deleted (so posts_id_seq is past max(id)); a body with tabs,
# line breaks, quotes, backslashes and non-ASCII.
my $body = "line 1\n\tline 2 \\ back \"quoted\" 'single' $uni\r\nend";
my $bob = $id{'bob@example.com'};
my $dee = $id{'dee@example.com'};
src(qq{SELECT userservice.create_post($bob, 'first', \$body\$$body\$body\$)});
src(qq{SELECT userservice.create_post($bob, 'second')});
src(qq{SELECT userservice.create_post($dee, '$uni title', 'x')});
my $doomed = src(qq{SELECT id FROM userservice.create_post($dee, 'to be deleted')});
src("SELECT userservice.delete_post($doomed)");
is(src("SELECT body FROM userservice.posts WHERE title = 'first'"), $body,
	'source: the tricky body is stored as written');

# A failed login is counted by the throttle (which a dump does not keep),
# and a token is issued before the dump.
my ($rc, $out, $err) = $node->psql('src',
	qq{\\set VERBOSITY verbose
	   SELECT userservice.login('eve\@example.com', 'wrong password');});
like($err, qr/ERROR:\s+28P01/, 'source: a failed login');
is(src(q{SELECT failures FROM userservice.login_attempts('eve@example.com')}),
	'1', 'source: the failure is counted');
my $token = src(q{SELECT access_token FROM userservice.login('dee@example.com', 'password-dee')});

# Everything that must come back, as text.
sub snapshot
{
	my ($node, $db) = @_;
	return $node->safe_psql(
		$db, q{
		SELECT 'user', id, email, hashed_password, display_name, is_active, role, version,
		       token_version, created_at, updated_at
		  FROM userservice.users ORDER BY id;
		SELECT 'post', id, author_id, title, encode(convert_to(body, 'UTF8'), 'hex'), created_at, updated_at
		  FROM userservice.posts ORDER BY id;
		SELECT 'key', kid, alg, encode(secret, 'hex'), state, omit_kid, created_at
		  FROM userservice.signing_keys ORDER BY kid;
		SELECT 'users_id_seq', last_value, is_called FROM userservice.users_id_seq;
		SELECT 'posts_id_seq', last_value, is_called FROM userservice.posts_id_seq;
		SELECT 'extversion', extversion FROM pg_extension WHERE extname = 'userservice';});
}
my $snap = snapshot($node, 'src');
is(scalar(() = $snap =~ /^user\|/mg), 5, 'source snapshot: 5 users');
is(scalar(() = $snap =~ /^post\|/mg), 3, 'source snapshot: 3 posts');
is(scalar(() = $snap =~ /^key\|/mg), 1, 'source snapshot: 1 signing key');
my ($users_seq) = $snap =~ /^users_id_seq\|(\d+)\|t$/m;
my ($posts_seq) = $snap =~ /^posts_id_seq\|(\d+)\|t$/m;
my $max_user = src('SELECT max(id) FROM userservice.users');
my $max_post = src('SELECT max(id) FROM userservice.posts');
ok(defined $users_seq && $users_seq > $max_user, "source: users_id_seq ($users_seq) is past max(id) ($max_user)");
ok(defined $posts_seq && $posts_seq > $max_post, "source: posts_id_seq ($posts_seq) is past max(id) ($max_post)");
my $listing = src(q{SELECT * FROM userservice.list_users_with_posts(page_size => 100)});

# ---------------------------------------------------------------- dumps
$node->command_ok([ 'pg_dump', '-Fp', '-f', "$tmp/src.sql", '-d', $node->connstr('src') ],
	'pg_dump plain');
$node->command_ok([ 'pg_dump', '-Fc', '-f', "$tmp/src.dump", '-d', $node->connstr('src') ],
	'pg_dump custom');
my $plain = slurp_file("$tmp/src.sql");
like($plain, qr/^CREATE EXTENSION IF NOT EXISTS userservice WITH SCHEMA userservice;$/m,
	'the dump creates the extension');
like($plain, qr/^COPY userservice\.users \(/m, 'the dump holds the users (pg_extension_config_dump)');
like($plain, qr/^COPY userservice\.posts \(/m, '... the posts');
like($plain, qr/^COPY userservice\.signing_keys \(/m, '... the signing keys');
unlike($plain, qr/^COPY userservice\.login_throttle \(/m, '... but not the throttle\'s counts');
like($plain, qr/setval\('userservice\.users_id_seq', $users_seq, true\)/, '... users_id_seq');
like($plain, qr/setval\('userservice\.posts_id_seq', $posts_seq, true\)/, '... posts_id_seq');

# ---------------------------------------------------------------- checks on a copy
sub check_copy
{
	my ($node, $db, $label) = @_;
	my $q = sub { return $node->safe_psql($db, shift); };

	is(snapshot($node, $db), $snap, "$label: every user (hash byte for byte), post, counter and sequence is back");
	is($q->(q{SELECT * FROM userservice.list_users_with_posts(page_size => 100)}),
		$listing, "$label: list_users_with_posts answers as on the source");

	# Logins, the 24MB hashes included (compared above, before a login may
	# rehash them).
	for my $email ('bob@example.com', 'dee@example.com')
	{
		is( $q->(qq{SELECT userservice.verify_token(access_token)->>'sub'
		            FROM userservice.login('$email', '$pw{$email}')}),
			$id{$email}, "$label: login of $email");
	}
	is($q->(qq{SELECT userservice.verify_token('$token')->>'sub'}), $id{'dee@example.com'},
		"$label: a token issued before the dump is still good");
	is($q->(q{SELECT count(*) FROM userservice.login_attempts('eve@example.com')}), '0',
		"$label: the throttle starts empty");
	my ($rc, $out, $err) = $node->psql($db,
		qq{\\set VERBOSITY verbose
		   SELECT userservice.login('ann\@example.com', 'not her password');});
	like($err, qr/ERROR:\s+28P01/, "$label: a wrong password is still refused");

	# New rows continue the sequences instead of colliding.
	my $new_user = $q->(q{SELECT (userservice.create_user('new@example.com', 'password-new', 'New')).id});
	is($new_user, $users_seq + 1, "$label: create_user takes the next id after the restored sequence");
	my $new_post = $q->(qq{SELECT id FROM userservice.create_post($new_user, 'after restore')});
	is($new_post, $posts_seq + 1, "$label: create_post takes the next id after the restored sequence");
	($rc, $out, $err) = $node->psql($db,
		q{\set VERBOSITY verbose
		  SELECT userservice.create_user('BOB@example.com', 'password-x', 'Bob again');});
	like($err, qr/ERROR:\s+23505/, "$label: the restored emails are still unique (any case)");
	is($q->(q{SELECT count(*) FROM userservice.users}), '6', "$label: 6 users now");
}

# Plain format, psql, a new database in the same cluster.
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction',
	  '-f', "$tmp/src.sql", '-d', $node->connstr('restored') ],
	'plain dump restored with psql into a new database');
check_copy($node, 'restored', 'plain restore');
is(snapshot($node, 'src'), $snap, 'the source is untouched');

# Custom format, pg_restore, a new database in a new cluster.
my $node2 = PostgreSQL::Test::Cluster->new('dump_target');
$node2->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
$node2->start;
is($node2->safe_psql('postgres', q{SELECT count(*) FROM pg_roles WHERE rolname LIKE 'userservice%'}),
	'0', 'new cluster: no userservice roles yet');
$node2->safe_psql('postgres', 'CREATE DATABASE restored');
$node2->command_ok(
	[ 'pg_restore', '--exit-on-error', '--single-transaction',
	  '-d', $node2->connstr('restored'), "$tmp/src.dump" ],
	'custom dump restored with pg_restore into a new cluster');
check_copy($node2, 'restored', 'pg_restore, new cluster');
is( $node2->safe_psql('restored',
		q{SELECT has_function_privilege('userservice_anon', 'userservice.create_user(text,text,text)', 'EXECUTE'),
		         has_function_privilege('userservice_anon', 'userservice.create_post(bigint,text,text)', 'EXECUTE'),
		         has_table_privilege('userservice_admin', 'userservice.users', 'SELECT')}),
	't|f|f', 'new cluster: the web roles exist with the grants of the extension');

$node2->stop;
$node->stop;
done_testing();
