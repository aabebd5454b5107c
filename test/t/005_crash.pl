# 005_crash.pl: one backend runs a stream of create_user transactions; it is
# killed with SIGKILL in the middle of one. After crash recovery (the
# postmaster reinitializes by itself: restart_after_crash = on), every
# create whose COMMIT was acknowledged is present, nothing else is, and the
# extension works without restarting anything.
#
# Each transaction creates two users (a, b) and commits; psql prints
# "created <email>" after each create and "acked <n>" once COMMIT has
# returned. The kill comes right after "created crash-<K>-a" was printed,
# while b of transaction K is being hashed: a was inserted but never
# committed, and must not survive.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $secret = 'tap-test-secret-0123456789abcdef-0123456789';
my $total  = 60;    # transactions in the script; the kill comes long before
my $kill_at = 8;    # kill while transaction 8 is open

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
# Cluster.pm turns crash restarts off; the point here is that the server
# recovers by itself.
$node->append_conf('postgresql.conf', 'restart_after_crash = on');
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION userservice');
$node->safe_psql('postgres', "SELECT userservice.create_signing_key('HS256', '$secret')");
my $before_id = $node->safe_psql('postgres',
	q{SELECT (userservice.create_user('before@example.com', 'password-before', 'Before')).id});

sub postmaster_pid
{
	my @lines = split /\n/, slurp_file($node->data_dir . '/postmaster.pid');
	return $lines[0];
}
my $postmaster = postmaster_pid();

# The stream, fed to one psql session.
my $script = "SELECT pg_backend_pid();\n";
for my $i (1 .. $total)
{
	$script .= "BEGIN;\n";
	for my $x ('a', 'b')
	{
		$script .= "SELECT 'created ' || (userservice.create_user('crash-$i-$x\@example.com', 'password-$i-$x', 'Crash $i $x')).email;\n";
	}
	$script .= "COMMIT;\n\\echo acked $i\n";
}

my ($stdout, $stderr) = ('', '');
my $timer = IPC::Run::timer($PostgreSQL::Test::Utils::timeout_default);
my $psql = IPC::Run::start(
	[ 'psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres') ],
	'<', \$script, '>', \$stdout, '2>', \$stderr, $timer);

ok(pump_until($psql, $timer, \$stdout, qr/^created crash-$kill_at-a\@example\.com$/m),
	"the stream reached the first create of transaction $kill_at");
my ($backend) = $stdout =~ /^(\d+)$/m;
ok(defined $backend && $backend > 0, 'the backend pid of the stream is known');
my $log_offset = -s $node->logfile;
is(kill('KILL', $backend), 1, "SIGKILL sent to backend $backend");

# psql sees the connection drop and stops.
$psql->finish;
isnt($psql->result(0), 0, 'psql exited with an error: its connection was killed');
like($stderr, qr/server closed the connection unexpectedly|connection to server .* lost|terminat/i,
	'psql reports the lost connection');

# Crash recovery, by the postmaster alone.
$node->wait_for_log(qr/server process \(PID $backend\) was terminated by signal 9/, $log_offset);
$node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset);
$node->wait_for_log(qr/database system is ready to accept connections/, $log_offset);
ok($node->poll_query_until('postgres', 'SELECT true'), 'the server accepts connections again');
is(postmaster_pid(), $postmaster, 'the same postmaster is running: nothing was restarted by hand');
like(slurp_file($node->logfile, $log_offset), qr/database system was not properly shut down; automatic recovery in progress/,
	'the server went through crash recovery');

# What psql saw.
my @acked = $stdout =~ /^acked (\d+)$/mg;
my %created = map { $_ => 1 } $stdout =~ /^created (\S+)$/mg;
is_deeply(\@acked, [ 1 .. scalar(@acked) ], 'the acknowledged transactions are 1..n, in order');
my $last = @acked ? $acked[-1] : 0;
cmp_ok($last, '>=', $kill_at - 1, "at least the ${\($kill_at - 1)} transactions before the kill were acknowledged");
cmp_ok($last, '<', $total, 'the kill came in the middle of the stream');

# What the database has.
my @present = split /\n/, $node->safe_psql('postgres',
	q{SELECT email FROM userservice.users WHERE email LIKE 'crash-%' ORDER BY id});
my %present = map { $_ => 1 } @present;

my @missing = grep { !$present{$_} } map { ("crash-$_-a\@example.com", "crash-$_-b\@example.com") } 1 .. $last;
is_deeply(\@missing, [], 'every user of an acknowledged transaction is present');

# Transaction last + 1 was in flight: its COMMIT may have reached the WAL
# before the kill without the answer reaching psql, so it is either wholly
# there or wholly absent; when its second create never even answered, COMMIT
# was never sent and it must be absent.
my $open = $last + 1;
my @open_rows = grep { $present{$_} } ("crash-$open-a\@example.com", "crash-$open-b\@example.com");
ok(@open_rows == 0 || @open_rows == 2,
	"the in-flight transaction $open is all or nothing (present: @open_rows)");
if (!$created{"crash-$open-b\@example.com"})
{
	is_deeply(\@open_rows, [], "transaction $open never sent COMMIT: none of its rows survive");
}
my @extra = grep { /^crash-(\d+)-/ && $1 > $open } @present;
is_deeply(\@extra, [], 'nothing after the in-flight transaction exists');
is(scalar(@present), 2 * $last + scalar(@open_rows), 'no row other than those');
note("acknowledged: $last transactions; in flight: $open, rows of it present: " . scalar(@open_rows));

# The database is consistent and the extension works.
is($node->safe_psql('postgres', "SELECT email FROM userservice.get_user($before_id)"),
	'before@example.com', 'a user from before the stream is there');
$node->safe_psql('postgres', 'CREATE EXTENSION amcheck');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM (SELECT bt_index_check(c.oid, true)
		  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		  WHERE i.indrelid = 'userservice.users'::regclass) s}),
	'2', 'amcheck: both indexes of users are consistent with the heap');
if (!@open_rows)
{
	# The uncommitted insert left an index entry behind; it must not count.
	like( $node->safe_psql('postgres',
			qq{SELECT (userservice.create_user('crash-$open-a\@example.com', 'password-again', 'Again')).id}),
		qr/^\d+$/, "the email of the lost create ($open a) can be registered now");
}
is( $node->safe_psql('postgres',
		qq{SELECT userservice.verify_token(access_token)->>'sub'
		   FROM userservice.login('crash-1-b\@example.com', 'password-1-b')}),
	$node->safe_psql('postgres', q{SELECT id FROM userservice.users WHERE email = 'crash-1-b@example.com'}),
	'login of a user created before the crash');
my $post = $node->safe_psql('postgres',
	qq{SELECT title FROM userservice.create_post($before_id, 'after the crash')});
is($post, 'after the crash', 'create_post works after the crash');
my $max = $node->safe_psql('postgres', 'SELECT max(id) FROM userservice.users');
my $next = $node->safe_psql('postgres',
	q{SELECT (userservice.create_user('after@example.com', 'password-after', 'After')).id});
cmp_ok($next, '>', $max, 'a create after recovery gets a fresh id');

$node->stop;
done_testing();
