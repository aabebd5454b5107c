# 001_upgrade_path.pl: install the oldest version (1.0), fill it with users,
# then ALTER EXTENSION userservice UPDATE step by step (1.0 -> 1.1 -> 1.2 ->
# 1.3, the last by the README's procedure). After each step every row is
# still there, byte for byte, and the functions of that version work.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use UserserviceTest;
use MIME::Base64 qw(decode_base64url);

# The decoded header of a token.
sub header_of { return decode_base64url((split /\./, shift)[0]); }

my $secret = 'tap-test-secret-0123456789abcdef-0123456789';

my $node = PostgreSQL::Test::Cluster->new('upgrade_path');
$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
$node->start;

sub sql { return $node->safe_psql('postgres', shift); }

# Every column of every user, in id order, compared as text: a hash that
# changed by one byte shows up.
my $cols_1_0 = 'id, email, hashed_password, display_name, is_active, role, '
  . 'version, created_at, updated_at';
sub users_1_0 { return sql("SELECT $cols_1_0 FROM userservice.users ORDER BY id"); }
sub users_all { return sql("SELECT $cols_1_0, token_version FROM userservice.users ORDER BY id"); }

sub create_user
{
	my ($email, $password, $name) = @_;
	return sql("SELECT (userservice.create_user('$email', '$password', '$name')).id");
}

# login, then verify_token on the token: "sub|role|exp in the future".
sub login_claims
{
	my ($email, $password) = @_;
	return sql(
		qq{SET userservice.jwt_secret = '$secret';
		   SELECT c->>'sub', c->>'role', (c->>'exp')::bigint > extract(epoch FROM now())
		   FROM userservice.login('$email', '$password') l,
		        LATERAL userservice.verify_token(l.access_token) c});
}

# Non-ASCII text as UTF-8 bytes, the way psql sends and prints it.
my $cecile = "C\xc3\xa9cile \xf0\x9f\x98\x80";
my $accent = "\xc3\xa9t\xc3\xa9";

# ---------------------------------------------------------------- 1.0
sql("CREATE EXTENSION userservice VERSION '1.0'");
is(extversion($node), '1.0', 'installed version 1.0');
is( sql(q{SELECT path FROM pg_catalog.pg_extension_update_paths('userservice')
          WHERE source = '1.0' AND target = '1.2'}),
	'1.0--1.1--1.2',
	'the update path 1.0 -> 1.2 goes through 1.1');

my $ann = create_user('ann@example.com',         "password-ann-$accent", 'Ann');
my $bob = create_user('Bob.Builder@Example.org', "password-bob-$accent", 'Bob the Builder');
my $cee = create_user('cee@example.net',         "password-cee-$accent", $cecile);
my $dee = create_user('dee@example.com',         "password-dee-$accent", 'Dee');
my $eve = create_user('eve@example.com',         "password-eve-$accent", 'Eve');
my @ids = ($ann, $bob, $cee, $dee, $eve);
is(scalar(grep { /^\d+$/ } @ids), 5, '1.0: create_user returned five ids');

# Rows that are not fresh: a patched name (version 2), an inactive account
# and an admin.
is( sql(qq{SELECT version FROM userservice.update_user($dee, '{"display_name": "Dee Two"}', 1)}),
	'2', '1.0: update_user with expected_version bumps version');
sql(qq{SELECT userservice.update_user($eve, '{"is_active": false}')});
sql(qq{SELECT userservice.update_user($ann, '{"role": "admin"}')});

is(sql('SELECT count(*) FROM userservice.users'), '5', '1.0: five users');
is(sql(q{SELECT id FROM userservice.get_user_by_email('bob.builder@EXAMPLE.org')}),
	$bob, '1.0: get_user_by_email finds any letter case');
is(sql("SELECT display_name FROM userservice.get_user($cee)"),
	$cecile, '1.0: get_user returns non-ASCII text intact');
is( sqlstate_of($node, 'postgres', q{SELECT userservice.create_user('ANN@example.com', 'password-x', 'Other Ann')}),
	'23505', '1.0: a duplicate email in another case is 23505');
is(sqlstate_of($node, 'postgres', 'SELECT userservice.get_user(999999)'),
	'PT404', '1.0: get_user of a missing id is PT404');
is( sql(q{SELECT to_regprocedure('userservice.login(text,text)') IS NULL
          AND to_regclass('userservice.login_failures') IS NULL
          AND NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'userservice.users'::regclass
                                                     AND attname = 'token_version')}),
	't', '1.0: nothing of 1.1 exists yet');
like(sql("SELECT hashed_password FROM userservice.users WHERE id = $ann"),
	qr/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
	'1.0: hashes are argon2id PHC strings at the default cost');

my $before = users_1_0();
is(scalar(split /\n/, $before), 5, '1.0: snapshot of five rows');

# ---------------------------------------------------------------- 1.1
sql("ALTER EXTENSION userservice UPDATE TO '1.1'");
is(extversion($node), '1.1', 'updated to 1.1');
is(users_1_0(), $before, '1.1: every user is still there, every column byte for byte');
is(sql('SELECT count(*) FROM userservice.users WHERE token_version = 1'),
	'5', '1.1: token_version added, 1 on every row');
is(sql('SELECT count(*) FROM userservice.login_failures'),
	'0', '1.1: login_failures exists and is empty');

is( login_claims('bob.builder@example.org', "password-bob-$accent"),
	"$bob|userservice_user|t",
	'1.1: login of a 1.0 user; verify_token gives its id, role and a future exp');
is( login_claims('ann@example.com', "password-ann-$accent"),
	"$ann|userservice_admin|t",
	'1.1: login of the admin gives the admin role');
is( sqlstate_of($node, 'postgres', qq{SET userservice.jwt_secret = '$secret';
                   SELECT userservice.login('cee\@example.net', 'wrong-password')}),
	'28P01', '1.1: a wrong password is 28P01');
is( sqlstate_of($node, 'postgres', qq{SET userservice.jwt_secret = '$secret';
                   SELECT userservice.login('eve\@example.com', 'password-eve-$accent')}),
	'28P01', '1.1: the inactive account cannot log in');
is(sql('SELECT user_id, failures FROM userservice.login_failures'),
	"$cee|1", '1.1: the failed login was counted in login_failures');
is( sqlstate_of($node, 'postgres', qq{SET userservice.jwt_secret = '$secret';
                   SELECT userservice.verify_token('eyJhbGciOiJIUzI1NiJ9.e30.AAAA')}),
	'28000', '1.1: verify_token refuses a forged token');

# The PostgREST way: a web role with the claims of a token calls me().
is( sql(qq{SET userservice.jwt_secret = '$secret';
           SELECT FROM set_config('request.jwt.claims',
               userservice.verify_token((userservice.login('dee\@example.com', 'password-dee-$accent')).access_token)::text,
               false);
           SET ROLE userservice_user;
           SELECT email, display_name FROM userservice.me();}),
	'dee@example.com|Dee Two',
	'1.1: me() as userservice_user with the claims of a login');
my @sorted = sort { $a <=> $b } @ids;
is(sql(q{SELECT string_agg(id::text, ',' ORDER BY id) FROM userservice.list_users(page_size => 2)}),
	"$sorted[0],$sorted[1]", '1.1: list_users pages by id');
is( sql(qq{SELECT string_agg(id::text, ',' ORDER BY id) FROM userservice.list_users(page_size => 2, after_id => $sorted[1])}),
	"$sorted[2],$sorted[3]", '1.1: list_users keyset cursor');

# A password change through the 1.1 update_user revokes tokens.
sql(qq{SELECT userservice.update_user($dee, '{"password": "new-password-dee"}')});
is(sql("SELECT token_version FROM userservice.users WHERE id = $dee"),
	'2', '1.1: a password patch bumps token_version');
my $fay = create_user('fay@example.com', 'password-fay', 'Fay');
cmp_ok($fay, '>', $sorted[-1], '1.1: create_user continues the id sequence');
push @ids, $fay;
@sorted = sort { $a <=> $b } @ids;

my $before_all = users_all();
my $failures   = sql('SELECT * FROM userservice.login_failures ORDER BY user_id');

# ---------------------------------------------------------------- 1.2
sql("ALTER EXTENSION userservice UPDATE TO '1.2'");
is(extversion($node), '1.2', 'updated to 1.2');
is(users_all(), $before_all, '1.2: every user is still there, every column byte for byte');
is(sql('SELECT * FROM userservice.login_failures ORDER BY user_id'),
	$failures, '1.2: login_failures rows kept');
is(login_claims('dee@example.com', 'new-password-dee'),
	"$dee|userservice_user|t", '1.2: login still works');

my $p1 = sql(qq{SELECT id FROM userservice.create_post($bob, 'first', 'hello')});
my $p2 = sql(qq{SELECT id FROM userservice.create_post($bob, 'second')});
my $p3 = sql(qq{SELECT id FROM userservice.create_post($cee, '$cecile writes', 'body')});
ok($p1 =~ /^\d+$/ && $p1 < $p2 && $p2 < $p3, '1.2: create_post returns increasing ids');
is(sql("SELECT author_id, title, body FROM userservice.get_post($p1)"),
	"$bob|first|hello", '1.2: get_post');
is(sql("SELECT string_agg(title, ',') FROM userservice.list_posts($bob)"),
	'second,first', '1.2: list_posts newest first');
is( sql(q{SELECT string_agg(u.id || ':' || (SELECT coalesce(string_agg(p->>'title', ',' ORDER BY o), '')
                                            FROM jsonb_array_elements(u.posts) WITH ORDINALITY AS x(p, o)),
                            ' ' ORDER BY u.id)
          FROM userservice.list_users_with_posts(page_size => 100) u}),
	join(' ',
		map { "$_:" . ($_ == $bob ? 'second,first' : $_ == $cee ? "$cecile writes" : '') } @sorted),
	'1.2: list_users_with_posts gives every user with its posts, newest first');
is(sql('SELECT count(*) FROM userservice.list_users_with_posts(only_active => true)'),
	'5', '1.2: only_active leaves out the inactive account');
is(sqlstate_of($node, 'postgres', qq{SELECT userservice.create_post($bob, '')}),
	'22023', '1.2: an empty title is 22023');
is(users_all(), $before_all, '1.2: the users are untouched by the post calls');

# ---------------------------------------------------------------- 1.3, by the README's procedure
# 1.2 configured the 1.2 way (the setting in postgresql.conf), with a token
# issued at 1.2, and an email stored in NFD (as a 1.2 server could have).
$node->append_conf('postgresql.conf', "userservice.jwt_secret = '$secret'");
$node->reload;
my $token_12 = sql(q{SELECT access_token FROM userservice.login('dee@example.com', 'new-password-dee')});
sql(qq{UPDATE userservice.users SET email = normalize('c\xc3\xa9e\@example.net', NFD) WHERE id = $cee});
is(sql(qq{SELECT email IS NFC NORMALIZED FROM userservice.users WHERE id = $cee}), 'f', '1.2: an email stored in NFD');
my $before_13 = sql("SELECT $cols_1_0, token_version FROM userservice.users WHERE id <> $cee ORDER BY id");
my $posts_12 = sql('SELECT * FROM userservice.posts ORDER BY id');

my ($rc, $out, $err) = $node->psql('postgres', "ALTER EXTENSION userservice UPDATE TO '1.3'");
is(extversion($node), '1.3', 'updated to 1.3');
like($err, qr/WARNING:  userservice\.jwt_secret is set: remove it/, '1.3: the update warns that the setting is still set');
is(sql("SELECT $cols_1_0, token_version FROM userservice.users WHERE id <> $cee ORDER BY id"),
	$before_13, '1.3: every user is still there, byte for byte');
is(sql(qq{SELECT email IS NFC NORMALIZED AND email = 'c\xc3\xa9e\@example.net' FROM userservice.users WHERE id = $cee}),
	't', '1.3: the NFD email is stored in NFC');
is(sql('SELECT * FROM userservice.posts ORDER BY id'), $posts_12, '1.3: every post is still there');
is( sql(q{SELECT to_regclass('userservice.login_failures') IS NULL, to_regclass('userservice.login_throttle') IS NOT NULL}),
	't|t', '1.3: login_failures replaced by login_throttle');
is(sql("SELECT userservice.verify_token('$token_12')->>'sub'"), $dee,
	'1.3: a token issued at 1.2 still verifies (the secret moved into signing_keys)');
my $token_13 = sql(q{SELECT access_token FROM userservice.login('dee@example.com', 'new-password-dee')});
is(header_of($token_13), '{"alg":"HS256","typ":"JWT"}',
	'1.3: the migrated key signs without kid (a PostgREST with the plain secret keeps accepting)');
is(sqlstate_of($node, 'postgres', q{SELECT userservice.login('dee@example.com', 'wrong-password')}), '28P01', '1.3: a failed login');
is(sql(q{SELECT failures FROM userservice.login_attempts('dee@example.com')}), '1', '1.3: ... counted by the throttle');

# The README: remove the setting, reload, rotate to a fresh key, retire the
# migrated one (its secret was readable by every role).
$node->append_conf('postgresql.conf', "userservice.jwt_secret = ''");
$node->reload;
my $migrated = sql(q{SELECT kid FROM userservice.signing_keys});
my $kid = sql(q{SELECT userservice.create_signing_key('HS256')});
sql(qq{SELECT userservice.retire_signing_key('$migrated')});
is(sqlstate_of($node, 'postgres', "SELECT userservice.verify_token('$token_12')"), '28000',
	'1.3 after rotation: the token signed with the old secret is refused');
my $token_new = sql(q{SELECT access_token FROM userservice.login('dee@example.com', 'new-password-dee')});
is(header_of($token_new), qq{{"alg":"HS256","typ":"JWT","kid":"$kid"}},
	'1.3 after rotation: new tokens carry the new kid');
is(sql("SELECT userservice.verify_token('$token_new')->>'sub'"), $dee, '1.3 after rotation: ... and verify');

# An NFD twin of another email stops the update, naming it, and changes nothing.
sql('CREATE DATABASE twins');
$node->safe_psql('twins', "CREATE EXTENSION userservice VERSION '1.2'");
$node->safe_psql('twins', q{SELECT userservice.create_user('emile@example.com', 'password-emile', 'E')});
$node->safe_psql('twins', qq{SELECT userservice.create_user('\xc3\xa9mile\@example.com', 'password-emile', 'E')});
$node->safe_psql('twins', qq{SELECT userservice.create_user('other\@example.com', 'password-other', 'O')});
$node->safe_psql('twins', q{UPDATE userservice.users SET email = normalize('émile@example.com', NFD) WHERE email = 'other@example.com'});
($rc, $out, $err) = $node->psql('twins', "\\set VERBOSITY verbose\nALTER EXTENSION userservice UPDATE TO '1.3'");
like($err, qr/ERROR:  23505: two users have the same email once normalized/, 'an NFD twin stops the update with 23505');
is($node->safe_psql('twins', q{SELECT extversion FROM pg_extension WHERE extname = 'userservice'}), '1.2',
	'... and the database stays at 1.2');

$node->stop;
done_testing();
