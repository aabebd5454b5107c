# 002_downgrade.pl: from 1.3 with users, posts, a signing key and throttle
# counts, downgrade to 1.2 (users and posts survive; keys and counts are
# dropped, as sql/userservice--1.3--1.2.sql says), then from 1.2 with users
# and posts to 1.1 and to 1.0 (users survive; posts are dropped, as
# sql/userservice--1.2--1.1.sql says), then update to 1.2 and to 1.3 again:
# the users are still there and everything works, also in a session that
# stayed open across every step (as a PostgREST pool does) and so kept its
# prepared plans.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use UserserviceTest;

my $secret = 'tap-test-secret-0123456789abcdef-0123456789';

my $node = PostgreSQL::Test::Cluster->new('downgrade');
$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
$node->start;

sub sql { return $node->safe_psql('postgres', shift); }

my $cols_1_0 = 'id, email, hashed_password, display_name, is_active, role, '
  . 'version, created_at, updated_at';
sub users_1_0 { return sql("SELECT $cols_1_0 FROM userservice.users ORDER BY id"); }
sub users_all { return sql("SELECT $cols_1_0, token_version FROM userservice.users ORDER BY id"); }

sub create_user
{
	my ($email, $password, $name) = @_;
	return sql("SELECT (userservice.create_user('$email', '$password', '$name')).id");
}

# "sub" claim of a fresh token, or the SQLSTATE when login fails.
sub login_sub
{
	my ($email, $password) = @_;
	my ($stdout, $stderr);
	my $rc = $node->psql(
		'postgres',
		qq{\\set VERBOSITY verbose
		   SET userservice.jwt_secret = '$secret';
		   SELECT userservice.verify_token(access_token)->>'sub'
		   FROM userservice.login('$email', '$password');},
		stdout => \$stdout,
		stderr => \$stderr);
	return $stdout if $rc == 0;
	return $stderr =~ /ERROR:\s+([0-9A-Z]{5}):/ ? $1 : "rc=$rc: $stderr";
}

# Which of the objects of each version exist: "login|login_failures|token_version|posts|create_post|post type"
sub objects
{
	return sql(
		q{SELECT to_regprocedure('userservice.login(text,text)') IS NOT NULL,
		         to_regclass('userservice.login_failures') IS NOT NULL,
		         EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'userservice.users'::regclass
		                 AND attname = 'token_version' AND NOT attisdropped),
		         to_regclass('userservice.posts') IS NOT NULL,
		         to_regprocedure('userservice.create_post(bigint,text,text)') IS NOT NULL,
		         to_regtype('userservice.post') IS NOT NULL});
}

# ---------------------------------------------------------------- 1.3 with data
sql('CREATE EXTENSION userservice');
is(extversion($node), '1.3', 'fresh install is 1.3');
sql("SELECT userservice.create_signing_key('HS256', '$secret')");
my $zed = create_user('zed@example.com', 'password-zed', 'Zed');
sql(qq{SELECT userservice.create_post($zed, 'a post at 1.3')});
is(sqlstate_of($node, 'postgres', q{SELECT userservice.login('zed@example.com', 'wrong-password')}), '28P01', '1.3: a failed login');
is(sql(q{SELECT failures FROM userservice.login_attempts('zed@example.com')}), '1', '1.3: ... counted by the throttle');
my $zed_token = sql(q{SELECT access_token FROM userservice.login('zed@example.com', 'password-zed')});
is(sql(qq{SELECT userservice.verify_token('$zed_token')->>'sub'}), $zed, '1.3: login and verify_token');
my $users_13 = users_all();
my $posts_13 = sql('SELECT * FROM userservice.posts ORDER BY id');

# ---------------------------------------------------------------- 1.3 -> 1.2
sql("ALTER EXTENSION userservice UPDATE TO '1.2'");
is(extversion($node), '1.2', 'downgraded to 1.2');
is(objects(), 't|t|t|t|t|t', '1.2: every object of 1.2 exists');
is( sql(q{SELECT to_regclass('userservice.signing_keys') IS NULL, to_regclass('userservice.login_throttle') IS NULL,
                 to_regprocedure('userservice.jwks(boolean)') IS NULL}),
	't|t|t', '1.2: the signing keys, the throttle and their functions are gone');
is(users_all(), $users_13, '1.2: every user is still there, byte for byte');
is(sql('SELECT * FROM userservice.posts ORDER BY id'), $posts_13, '1.2: every post too');
is(sql('SELECT count(*) FROM userservice.login_failures'), '0', '1.2: login_failures is back, empty');
is(sqlstate_of($node, 'postgres', qq{SELECT userservice.verify_token('$zed_token')}), '55000',
	'1.2: without the setting, 1.2 verifies nothing (the script says to set it)');
is(login_sub('zed@example.com', 'password-zed'), $zed, '1.2: login with the setting');
sql("SELECT userservice.delete_user($zed)");

# ---------------------------------------------------------------- 1.2 with data
is(objects(), 't|t|t|t|t|t', '1.2: every object exists');

my $ann = create_user('ann@example.com', 'password-ann', 'Ann');
my $bob = create_user('bob@example.com', 'password-bob', 'Bob');
my $cee = create_user('cee@example.com', 'password-cee', 'Cee');
sql(qq{SELECT userservice.update_user($ann, '{"role": "admin"}')});
sql(qq{SELECT userservice.update_user($cee, '{"password": "password-cee-2"}')});
is(login_sub('cee@example.com', 'wrong-password'), '28P01', '1.2: a failed login');
is(sql('SELECT user_id, failures FROM userservice.login_failures'),
	"$cee|1", '1.2: ... is counted');
my @posts = map { sql(qq{SELECT id FROM userservice.create_post($bob, 'post $_', 'body $_')}) } 1 .. 3;
push @posts, sql(qq{SELECT id FROM userservice.create_post($ann, 'admin post')});
is(sql('SELECT count(*) FROM userservice.posts'), '4', '1.2: four posts');

# A session that stays open through every ALTER EXTENSION below.
my $s = $node->background_psql('postgres');
$s->query_safe("SET userservice.jwt_secret = '$secret'");
is($s->query_safe(q{SELECT userservice.verify_token(access_token)->>'sub' FROM userservice.login('bob@example.com', 'password-bob')}),
	$bob, 'open session, 1.2: login');
is($s->query_safe(qq{SELECT title FROM userservice.create_post($bob, 'from the open session')}),
	'from the open session', 'open session, 1.2: create_post');
is($s->query_safe(qq{SELECT display_name FROM userservice.update_user($bob, '{"display_name": "Bob 2"}')}),
	'Bob 2', 'open session, 1.2: update_user');
is($s->query_safe(q{SELECT count(*) FROM userservice.list_users_with_posts()}),
	'3', 'open session, 1.2: list_users_with_posts');

my $users   = users_all();
my $fail    = sql('SELECT * FROM userservice.login_failures ORDER BY user_id');

# ---------------------------------------------------------------- 1.2 -> 1.1
sql("ALTER EXTENSION userservice UPDATE TO '1.1'");
is(extversion($node), '1.1', 'downgraded to 1.1');
is(objects(), 't|t|t|f|f|f', '1.1: posts, its functions and types are gone, the rest is there');
is( sql(q{SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
          WHERE e.extname = 'userservice' AND d.deptype = 'e'}),
	'17', '1.1: the extension has 17 member objects (8 of 1.0, 9 of 1.1)');
is(users_all(), $users, '1.1: every user is still there, byte for byte, token_version included');
is(sql('SELECT * FROM userservice.login_failures ORDER BY user_id'), $fail, '1.1: login_failures kept');
is(login_sub('cee@example.com', 'password-cee-2'), $cee, '1.1: login works');
is(sqlstate_of($node, 'postgres', qq{SELECT userservice.create_post($bob, 'x')}), '42883', '1.1: create_post no longer exists');

is($s->query_safe(q{SELECT userservice.verify_token(access_token)->>'sub' FROM userservice.login('bob@example.com', 'password-bob')}),
	$bob, 'open session, 1.1: login');
is($s->query_safe(qq{SELECT display_name FROM userservice.update_user($bob, '{"display_name": "Bob 3"}')}),
	'Bob 3', 'open session, 1.1: update_user');
$s->query_safe(qq{SELECT userservice.logout_all($cee)});
is($s->query_safe(qq{SELECT token_version FROM userservice.users WHERE id = $cee}),
	'3', 'open session, 1.1: logout_all bumps token_version');
is($s->query_safe(q{SELECT count(*) FROM userservice.list_users()}),
	'3', 'open session, 1.1: list_users');

$users = users_1_0();

# ---------------------------------------------------------------- 1.1 -> 1.0
sql("ALTER EXTENSION userservice UPDATE TO '1.0'");
is(extversion($node), '1.0', 'downgraded to 1.0');
is(objects(), 'f|f|f|f|f|f', '1.0: everything of 1.1 and 1.2 is gone');
is( sql(q{SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
          WHERE e.extname = 'userservice' AND d.deptype = 'e'}),
	'8', '1.0: the extension has 8 member objects');
is(users_1_0(), $users, '1.0: every user is still there, byte for byte');
is( sql(q{SELECT has_function_privilege('userservice_user', 'userservice.get_user(bigint)', 'EXECUTE'),
                 has_function_privilege('userservice_admin', 'userservice.get_user(bigint)', 'EXECUTE')}),
	'f|t', '1.0: get_user is for admins again');
is(sql(q{SELECT id FROM userservice.get_user_by_email('CEE@example.com')}), $cee, '1.0: get_user_by_email');

is($s->query_safe(qq{SELECT display_name FROM userservice.update_user($bob, '{"display_name": "Bob 4"}')}),
	'Bob 4', 'open session, 1.0: update_user');
is($s->query_safe(qq{SELECT email FROM userservice.get_user($ann)}),
	'ann@example.com', 'open session, 1.0: get_user');
my $dee = $s->query_safe(q{SELECT id FROM userservice.create_user('dee@example.com', 'password-dee', 'Dee')});
cmp_ok($dee, '>', $cee, 'open session, 1.0: create_user');
is( sqlstate_of($node, 'postgres', qq{SELECT userservice.update_user($dee, '{"password": "password-dee-2"}', 1)}),
	'ok', '1.0: update_user of a password works without token_version');

$users = users_1_0();

# ---------------------------------------------------------------- 1.0 -> 1.2
sql("ALTER EXTENSION userservice UPDATE TO '1.2'");
is(extversion($node), '1.2', 'ALTER EXTENSION UPDATE TO 1.2 goes back to 1.2');
is(objects(), 't|t|t|t|t|t', '1.2 again: every object exists');
is(users_1_0(), $users, '1.2 again: every user is still there, byte for byte');
is(sql('SELECT count(*) FROM userservice.users WHERE token_version = 1'),
	'4', '1.2 again: token_version starts over at 1 (the 1.1 -> 1.0 script says it is lost)');
is(sql('SELECT count(*) FROM userservice.posts'), '0',
	'1.2 again: the posts are gone (the 1.2 -> 1.1 script says it drops them)');
is(sql('SELECT count(*) FROM userservice.login_failures'), '0',
	'1.2 again: the lockout counters are gone');

is(login_sub('dee@example.com', 'password-dee-2'), $dee, '1.2 again: login of a user created at 1.0');
is(login_sub('cee@example.com', 'password-cee-2'), $cee, '1.2 again: login of a user from the start');
my $p = sql(qq{SELECT id FROM userservice.create_post($dee, 'after the round trip')});
like($p, qr/^\d+$/, '1.2 again: create_post');
is(sql("SELECT author_id, title FROM userservice.get_post($p)"),
	"$dee|after the round trip", '1.2 again: get_post');
is( sql(q{SELECT string_agg(id || ':' || jsonb_array_length(posts), ',' ORDER BY id)
          FROM userservice.list_users_with_posts()}),
	join(',', map { "$_:" . ($_ == $dee ? 1 : 0) } sort { $a <=> $b } ($ann, $bob, $cee, $dee)),
	'1.2 again: list_users_with_posts');

is($s->query_safe(qq{SELECT author_id FROM userservice.create_post($bob, 'open session again')}),
	$bob, 'open session, 1.2 again: create_post (its plan was made for the dropped table)');
is($s->query_safe(qq{SELECT count(*) FROM userservice.list_posts($bob)}),
	'1', 'open session, 1.2 again: list_posts sees only the new table');
is($s->query_safe(q{SELECT userservice.verify_token(access_token)->>'sub' FROM userservice.login('bob@example.com', 'password-bob')}),
	$bob, 'open session, 1.2 again: login');
is( $s->query_safe(q{SELECT string_agg(id || ':' || jsonb_array_length(posts), ',' ORDER BY id)
                     FROM userservice.list_users_with_posts()}),
	join(',', map { "$_:" . ($_ == $dee || $_ == $bob ? 1 : 0) } sort { $a <=> $b } ($ann, $bob, $cee, $dee)),
	'open session, 1.2 again: list_users_with_posts');

# ---------------------------------------------------------------- 1.2 -> 1.3
sql('ALTER EXTENSION userservice UPDATE');
is(extversion($node), '1.3', 'ALTER EXTENSION UPDATE goes to the default version 1.3');
is(sqlstate_of($node, 'postgres', q{SELECT userservice.login('dee@example.com', 'password-dee-2')}), '55000',
	'1.3 again: no signing key (none was set during the update), so no login');
sql("SELECT userservice.create_signing_key('HS256')");
is( sql(q{SELECT userservice.verify_token(access_token)->>'sub' FROM userservice.login('dee@example.com', 'password-dee-2')}),
	$dee, '1.3 again: login once a key exists');
is($s->query_safe(q{SELECT userservice.verify_token(access_token)->>'sub' FROM userservice.login('bob@example.com', 'password-bob')}),
	$bob, 'open session, 1.3 again: login with the new key (its keyring reloaded)');
is($s->query_safe(q{SELECT count(*) FROM userservice.login_attempts('bob@example.com')}),
	'1', 'open session, 1.3 again: the throttle counted and gave back the attempt');
$s->quit;

$node->stop;
done_testing();
