# 007_login_burst.pl: the login throttle's budgets hold when the guesses
# come all at once. 30 or 100 sessions (psql sessions kept open, role
# userservice_anon as PostgREST uses it) wait on an advisory lock the test
# holds, so that every login starts when the test lets go; each session
# answers with the SQLSTATE of its login (or OK and its token).
#
#  a) no client address known: at most login_max_failures guesses are
#     evaluated (28P01), the rest are PT429, login_attempts counts exactly
#     the evaluated ones; the right password is PT429 until unlock_user;
#  b) x-forwarded-for: one address is held to login_max_failures, 100
#     addresses together to login_max_account_failures on one email (the
#     owner's trusted address still logs in, during and after the burst),
#     one address spraying 100 emails to login_max_address_failures;
#  c) an unknown email gets the same answers as a registered one;
#  d) no wrong password ever gets a token, and every token names its owner.
#
# PT503 (the attempt could not be counted) is a refusal too. A burst of 30
# must have none; in a burst of 100 some logins may find no worker slot
# within the 2 s they wait (see below): they are counted and printed, and
# every budget must hold with them.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $owner_email = 'owner@example.com';
my $owner_pw    = 'owner-password-1';
my $owner_addr  = '203.0.113.7';

my $node = PostgreSQL::Test::Cluster->new('burst');
$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
$node->append_conf('postgresql.conf', <<'CONF');
# 101 guessing sessions, the lock holder and the test's own queries
# (Cluster.pm sets 10).
max_connections = 150
# Every session that logs in keeps a counting worker (for
# login_worker_idle after its last attempt); the logical replication
# launcher takes one slot: 30 sessions get a slot each at once, 100 queue
# for 31.
max_worker_processes = 32
# Parallel query takes its workers from the same slots: none of that here.
max_parallel_workers_per_gather = 0
# Cluster.pm's 1MB is 128 buffers, too few for 150 backends pinning at once.
shared_buffers = 16MB
CONF
$node->start;

sub sql { return $node->safe_psql('postgres', shift); }

sql('CREATE EXTENSION userservice');
sql("SELECT userservice.create_signing_key('HS256')");
my $owner_id = sql("SELECT (userservice.create_user('$owner_email', '$owner_pw', 'Owner')).id");
# Known accounts among the emails one address sprays in b).
my @known = map { "known-$_\@example.com" } 1 .. 20;
sql(join ";\n", map { "SELECT userservice.create_user('$_', 'known-password-1', 'Known')" } @known);

# One login, after the test lets go: "OK|<token>" or "SQLSTATE|message|detail"
# (the countdown in PT429's detail as N, so that answers compare).
sql(q{
CREATE SCHEMA burst;
CREATE FUNCTION burst.guess(email text, password text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text; tok text;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7013, 1);
    SELECT access_token INTO tok FROM userservice.login(email, password);
    RETURN 'OK|' || tok;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || '|' || msg || '|' || regexp_replace(det, '\d+ more seconds', 'N more seconds');
END
$$;
GRANT USAGE ON SCHEMA burst TO userservice_anon;
});

# Every answer of the file, for d).
my @all;

# 101 sessions kept open through the whole file, as a PostgREST pool keeps
# its connections (and so that a burst does not wait for 100 new backends).
my @crowd = map { $node->background_psql('postgres', wait => 0) } 1 .. 101;
$_->wait_connect for @crowd;
$_->set_query_timer_restart for @crowd;
my $hold = $node->background_psql('postgres');

# One guess as a session runs it: settings as the superuser (they are
# PGC_SUSET), the address as PostgREST sets request.headers, then the login
# as anon.
sub guess_sql
{
	my ($g, $settings) = @_;
	my $headers = defined $g->{address} ? qq({"x-forwarded-for": "$g->{address}"}) : '';
	return "RESET ROLE;\nRESET ALL;\n"
	  . join('', map { "SET $_;\n" } @$settings)
	  . "SELECT set_config('request.headers', '$headers', false) \\gset\n"
	  . "SET ROLE userservice_anon;\n";
}

sub guess_call
{
	my ($g) = @_;
	return "SELECT 'answer=' || burst.guess('$g->{email}', '$g->{password}');\n";
}

sub answer_of
{
	my ($out) = @_;
	return $out =~ /^answer=(.*)$/m ? $1 : "ERR|$out";
}

# The first field of an answer: OK or the SQLSTATE.
sub code { return (split /\|/, shift)[0]; }

# burst(label, settings, guesses): every guess waits on the lock the test
# holds; once all of them wait, the test lets go. Sets each guess's answer;
# returns the counts per code and prints them.
sub burst
{
	my ($label, $settings, @guesses) = @_;
	die "more guesses than sessions" if @guesses > @crowd;
	$hold->query_safe('SELECT pg_advisory_lock(7013, 1)');
	for my $i (0 .. $#guesses)
	{
		$crowd[$i]->query_until(qr/^ready$/m,
			guess_sql($guesses[$i], $settings) . "\\echo ready\n" . guess_call($guesses[$i]));
	}
	my $n = @guesses;
	$node->poll_query_until('postgres',
		qq{SELECT count(*) = $n FROM pg_locks WHERE locktype = 'advisory'
		   AND classid = 7013 AND objid = 1 AND objsubid = 2 AND NOT granted})
	  or die "$label: not every session came to the start";
	my $t0 = time;
	$hold->query_safe('SELECT pg_advisory_unlock(7013, 1)');
	my %count;
	for my $i (0 .. $#guesses)
	{
		my $g = $guesses[$i];
		$g->{answer} = answer_of($crowd[$i]->query(''));
		$count{ code($g->{answer}) }++;
		push @all, $g;
	}
	diag(sprintf("%-44s %s (%.1f s)", "$label:",
			join(' ', map { "$_=$count{$_}" } sort keys %count), time - $t0));
	return \%count;
}

# One guess now (no one holds the lock): its answer.
sub once
{
	my ($g, $settings) = @_;
	$g->{answer} = answer_of($crowd[0]->query(guess_sql($g, $settings) . guess_call($g)));
	push @all, $g;
	return $g->{answer};
}

sub wrong
{
	my ($email, $n, $address) = @_;
	return map { { email => $email, password => "wrong-guess-$_", address => $address } } 1 .. $n;
}

# The email's count at one address ('' for the email's own row).
sub failures
{
	my ($email, $address) = @_;
	return sql(qq{SELECT coalesce(sum(failures), 0) FROM userservice.login_attempts('$email')
	              WHERE address = '$address'});
}

sub n { my ($c, $code) = @_; return $c->{$code} // 0; }
sub min { return $_[0] < $_[1] ? $_[0] : $_[1]; }

# 30 logins get a worker slot each at once (31 are free), so none may be
# PT503. 100 queue for the slots, and a login waits only about 2 s for one:
# where workers start more slowly than 50 a second (a busy 2-core machine
# starts about 25), some are PT503. Those are counted and printed, not
# asserted away: the budgets must hold all the same, and a PT503 must count
# nothing. A PT503 attempt is not counted, every other one is counted until
# the budget is spent, so the evaluated ones are min(budget, N - PT503).
# (A PT503 whose attempt was counted all the same, as when the login looks
# for its worker only after that worker has come and gone, shows up here
# as fewer 28P01 than that, or a count above the 28P01 answers.)

# ------------------------------------------------ a) and c): no address known
my @no_address = ('userservice.login_max_failures = 10');
for my $size (30, 100)
{
	my %words;
	my %counts;
	for my $case ([ registered => $owner_email ], [ unknown => "nobody-$size\@example.com" ])
	{
		my ($kind, $email) = @$case;
		my @g = wrong($email, $size);
		my $c = burst("a) $size guesses, $kind email, no address", \@no_address, @g);
		is(n($c, 'PT503'), 0, "a) $size, $kind: no PT503 (a free worker slot for each)") if $size <= 30;
		is(n($c, '28P01'), min(10, $size - n($c, 'PT503')),
			"a) $size, $kind: login_max_failures (10) evaluated, no more");
		is(n($c, '28P01') + n($c, 'PT429') + n($c, 'PT503'), $size,
			"a) $size, $kind: every other one PT429 or PT503");
		is(failures($email, ''), n($c, '28P01'), "a) $size, $kind: login_attempts counts the evaluated ones");
		$words{$kind} = join "\n", sort { $a cmp $b } keys %{ { map { $_->{answer} => 1 } grep { code($_->{answer}) ne 'PT503' } @g } };
		$counts{$kind} = join ' ', map { "$_=" . n($c, $_) } qw(28P01 PT429 PT503);
	}
	# c) PT429 and 28P01 say the same, word for word, whether the email exists.
	is($words{unknown}, $words{registered}, "c) $size: an unknown email gets the same answers as a registered one");
	# Where no PT503 came, the split is exact; else PT503 and PT429 share
	# the refusals by the chance of slot timing.
	is($counts{unknown}, $counts{registered}, "c) $size: ... as many of each")
	  if "$counts{unknown} $counts{registered}" !~ /PT503=[1-9]/;

	my $right = { email => $owner_email, password => $owner_pw, right => $owner_id };
	is(code(once($right, \@no_address)), 'PT429', "a) $size: the budget is spent: the right password is PT429");
	sql("SELECT userservice.unlock_user($owner_id)");
	is(failures($owner_email, ''), 0, "a) $size: unlock_user zeroes the count");
	is(code(once($right, \@no_address)), 'OK', "a) $size: after unlock_user the owner logs in");
}

# ------------------------------------------------ b) x-forwarded-for
my @addr = ("userservice.login_address_header = 'x-forwarded-for'",
	'userservice.login_max_failures = 10');
sub owner_at
{
	return { email => $owner_email, password => $owner_pw, address => shift, right => $owner_id };
}
is(code(once(owner_at($owner_addr), \@addr)), 'OK', 'b) the owner logs in from its own address');
is( sql(qq{SELECT trusted_until > now() + interval '29 days' FROM userservice.login_attempts('$owner_email')
           WHERE address = '$owner_addr'}),
	't', 'b) ... which is trusted from now on');

# The owner's login inside a burst: OK, or PT503 when it found no worker
# slot in time (a refusal, never PT429 or 28P01).
sub owner_in_burst
{
	my ($g, $what) = @_;
	like(code($g->{answer}), qr/^(OK|PT503)$/, "b) $what: the owner (trusted address) is not refused during the burst");
	diag("b) $what: the owner's login found no worker slot (PT503)") if code($g->{answer}) eq 'PT503';
}

# b1) 100 guesses from one address, the owner at home among them.
{
	my $addr = '198.51.100.1';
	my @g = wrong($owner_email, 100, $addr);
	my $owner = owner_at($owner_addr);
	my $c = burst('b) 100 guesses from one address, + owner', \@addr, @g, $owner);
	my $attack503 = grep { code($_->{answer}) eq 'PT503' } @g;
	is(n($c, '28P01'), min(10, 100 - $attack503), 'b) one address: login_max_failures (10) evaluated, no more');
	owner_in_burst($owner, 'one address');
	is(failures($owner_email, $addr), n($c, '28P01'), 'b) one address: its count is the evaluated ones');
	is(failures($owner_email, ''), n($c, '28P01'), "b) one address: so is the email's (the owner's attempt given back)");
	is(code(once(owner_at($addr), \@addr)), 'PT429', 'b) one address: the right password from it is PT429 now');
	is(code(once(owner_at($owner_addr), \@addr)), 'OK', 'b) one address: the owner logs in after it');
	sql("SELECT userservice.unlock_user($owner_id)");
}

# b2) 100 addresses, one guess each, on one email: the email's budget.
{
	my @s = (@addr, 'userservice.login_max_account_failures = 20');
	my @g = map { { email => $owner_email, password => "wrong-guess-$_", address => "192.0.2.$_" } } 1 .. 100;
	my $owner = owner_at($owner_addr);
	my $c = burst('b) 100 addresses on one email, + owner', \@s, @g, $owner);
	my $attack503 = grep { code($_->{answer}) eq 'PT503' } @g;
	cmp_ok(n($c, '28P01'), '<=', 20, 'b) 100 addresses: at most login_max_account_failures (20) evaluated');
	# The owner's attempt counts on the email's row too (then is given
	# back): while its hash runs it may hold one of the 20.
	cmp_ok(n($c, '28P01'), '>=', min(19, 100 - $attack503), 'b) 100 addresses: ... and no fewer than 19');
	owner_in_burst($owner, '100 addresses');
	is(failures($owner_email, ''), n($c, '28P01'), "b) 100 addresses: the email's count is the evaluated ones");
	is( sql(qq{SELECT count(*) FILTER (WHERE failures = 1) || '/' || count(*) FILTER (WHERE failures > 1)
	           FROM userservice.login_attempts('$owner_email') WHERE address LIKE '192.0.2.%'}),
		n($c, '28P01') . '/0', 'b) 100 addresses: one count at each evaluated address, none above 1');
	# Spend what the owner's give-back left, then the budget is closed to
	# every untrusted address, right password or not.
	my @top = map { once({ email => $owner_email, password => "top-up-$_", address => "198.51.100.$_" }, \@s) }
	  101 .. 100 + 20 - failures($owner_email, '');
	is(join(',', grep { $_ ne '28P01' } map { code($_) } @top), '', 'b) 100 addresses: the rest of the budget is evaluated');
	is(code(once(owner_at('198.51.100.200'), \@s)), 'PT429',
		'b) 100 addresses: the right password from a new address is PT429 now');
	is(code(once(owner_at($owner_addr), \@s)), 'OK', 'b) 100 addresses: the owner logs in after it');
	sql("SELECT userservice.unlock_user($owner_id)");
}

# b3) one address, 100 emails (20 registered, 80 not): the address's budget.
{
	my $addr = '203.0.113.99';
	my @s = (@addr, 'userservice.login_max_address_failures = 15');
	my @emails = (@known, map { "sprayed-$_\@example.com" } 1 .. 80);
	my @g = map { { email => $emails[$_], password => "wrong-guess-$_", address => $addr } } 0 .. $#emails;
	my $c = burst('b) one address spraying 100 emails', \@s, @g);
	is(n($c, '28P01'), min(15, 100 - n($c, 'PT503')), 'b) spray: login_max_address_failures (15) evaluated, no more');
	is(n($c, '28P01') + n($c, 'PT429') + n($c, 'PT503'), 100, 'b) spray: every other one PT429 or PT503');
	is(sql(qq{SELECT failures FROM userservice.login_throttle WHERE email_key = '' AND address = '$addr'}),
		n($c, '28P01'), "b) spray: the address's count is the evaluated ones");
	my $list = join ',', map { "'$_'" } @emails;
	is( sql(qq{SELECT sum(a.failures) FROM unnest(ARRAY[$list]) e, userservice.login_attempts(e) a
	           WHERE a.address = '$addr'}),
		n($c, '28P01'), 'b) spray: so is the sum of its counts over the emails');
}

# ------------------------------------------------ d) no token for a wrong password
my @ok = grep { code($_->{answer}) eq 'OK' } @all;
cmp_ok(scalar @ok, '>=', 7, 'd) the owner logged in after every scenario (the checks below are not empty)');
is(join(',', map { "$_->{email}/$_->{password}" } grep { !defined $_->{right} } @ok),
	'', 'd) no login with a wrong password succeeded');
is(join(',', map { $_->{answer} } grep { defined $_->{right} && code($_->{answer}) eq '28P01' } @all),
	'', 'd) the right password was never answered 28P01');
is(join(',', grep { !/^(OK|28P01|PT429|PT503)$/ } map { code($_->{answer}) } @all),
	'', 'd) every answer is OK, 28P01, PT429 or PT503 (no session failed otherwise)');
my $tokens = join ',', map { my $t = (split /\|/, $_->{answer})[1]; "('$t', $_->{right})" } @ok;
is( sql(qq{SELECT count(*) FILTER (WHERE (userservice.verify_token(t)->>'sub')::bigint IS DISTINCT FROM id)
           FROM (VALUES $tokens) AS v(t, id)}),
	'0', 'd) every token verifies and names the account whose password was given');
diag(sprintf('PT503 in the whole file: %d of %d logins', scalar(grep { code($_->{answer}) eq 'PT503' } @all), scalar @all));

# ------------------------------------------------ e) workers end with their sessions
# Each session kept its counting worker; once the sessions are gone, the
# workers quit after login_worker_idle (1 s): no slot stays taken.
$_->quit for @crowd, $hold;
my $left = '';
for (1 .. 100)
{
	$left = sql(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'userservice login throttle'});
	last if $left eq '0';
	sleep 0.1;
}
is($left, '0', 'e) every counting worker quit after its session ended');
$node->stop;
done_testing();
