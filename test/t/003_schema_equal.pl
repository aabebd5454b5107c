# 003_schema_equal.pl: every way of arriving at a version gives the same
# schema as a fresh install of that version.
#
# For each version, one database per route, compared with the first route:
#  - pg_dump --schema-only, as the issue asks. For a database using an
#    extension it prints only CREATE SCHEMA, CREATE EXTENSION (without its
#    version) and the extension's comment, so it cannot tell much apart;
#  - pg_dump --schema-only --binary-upgrade, which prints every member
#    object of the extension (tables, columns, constraints, indexes, types,
#    functions with their bodies, options and SET clauses, comments, grants,
#    ALTER EXTENSION ADD membership and the list of configuration tables),
#    with what is physical rather than logical normalized away: OIDs,
#    relfilenodes, frozen xids, LSNs, and the placeholders of dropped
#    columns;
#  - the member list (\dx+ userservice) and pg_extension's extconfig and
#    extcondition, read as names.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('schema_equal');
$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
$node->start;

my $tmp = PostgreSQL::Test::Utils::tempdir;

# version => [ [ database, [ statements ] ], ... ]; the first route is the
# reference.
my @groups = (
	[
		'1.3',
		[ fresh_13 => ['CREATE EXTENSION userservice'] ],
		[
			up_12_13 => [
				"CREATE EXTENSION userservice VERSION '1.2'",
				"ALTER EXTENSION userservice UPDATE TO '1.3'"
			]
		],
		[
			round_13_12_13 => [
				'CREATE EXTENSION userservice',
				"ALTER EXTENSION userservice UPDATE TO '1.2'",
				"ALTER EXTENSION userservice UPDATE TO '1.3'"
			]
		],
		[
			round_13_10_13 => [
				'CREATE EXTENSION userservice',
				"ALTER EXTENSION userservice UPDATE TO '1.0'",
				'ALTER EXTENSION userservice UPDATE'
			]
		],
	],
	[
		'1.2',
		[ fresh_12 => ["CREATE EXTENSION userservice VERSION '1.2'"] ],
		[
			up_10_11_12 => [
				"CREATE EXTENSION userservice VERSION '1.0'",
				"ALTER EXTENSION userservice UPDATE TO '1.1'",
				"ALTER EXTENSION userservice UPDATE TO '1.2'"
			]
		],
		[
			up_10_12 => [
				"CREATE EXTENSION userservice VERSION '1.0'",
				"ALTER EXTENSION userservice UPDATE TO '1.2'"
			]
		],
		[
			down_13_12 => [
				'CREATE EXTENSION userservice',
				"ALTER EXTENSION userservice UPDATE TO '1.2'"
			]
		],
		[
			round_12_10_12 => [
				"CREATE EXTENSION userservice VERSION '1.2'",
				"ALTER EXTENSION userservice UPDATE TO '1.1'",
				"ALTER EXTENSION userservice UPDATE TO '1.0'",
				"ALTER EXTENSION userservice UPDATE TO '1.1'",
				"ALTER EXTENSION userservice UPDATE TO '1.2'"
			]
		],
		[
			round_12_11_12 => [
				"CREATE EXTENSION userservice VERSION '1.2'",
				"ALTER EXTENSION userservice UPDATE TO '1.1'",
				"ALTER EXTENSION userservice UPDATE TO '1.2'"
			]
		],
	],
	[
		'1.1',
		[ fresh_11 => ["CREATE EXTENSION userservice VERSION '1.1'"] ],
		[
			up_10_11 => [
				"CREATE EXTENSION userservice VERSION '1.0'",
				"ALTER EXTENSION userservice UPDATE TO '1.1'"
			]
		],
		[
			down_13_11 => [
				'CREATE EXTENSION userservice',
				"ALTER EXTENSION userservice UPDATE TO '1.1'"
			]
		],
		[
			round_11_10_11 => [
				"CREATE EXTENSION userservice VERSION '1.1'",
				"ALTER EXTENSION userservice UPDATE TO '1.0'",
				"ALTER EXTENSION userservice UPDATE TO '1.1'"
			]
		],
	],
	[
		'1.0',
		[ fresh_10 => ["CREATE EXTENSION userservice VERSION '1.0'"] ],
		[
			down_13_10 => [
				'CREATE EXTENSION userservice',
				"ALTER EXTENSION userservice UPDATE TO '1.0'"
			]
		],
		[
			down_11_10 => [
				"CREATE EXTENSION userservice VERSION '1.1'",
				"ALTER EXTENSION userservice UPDATE TO '1.0'"
			]
		],
	],
);

sub pg_dump_text
{
	my ($db, @opts) = @_;
	my $file = "$tmp/$db" . join('', @opts) . '.sql';
	$node->command_ok(
		[ 'pg_dump', '--schema-only', @opts, '-f', $file, '-d', $node->connstr($db) ],
		"pg_dump @opts of $db");
	my $text = slurp_file($file);
	# A random key per run (pg_dump 15.14 and later).
	$text =~ s/^\\(?:un)?restrict \S+$//mg;
	return $text;
}

# What tells two binary-upgrade dumps apart without being schema.
sub normalize_binary_upgrade
{
	my ($text) = @_;
	# The configuration tables of binary_upgrade_create_empty_extension: by
	# OID here, compared by name in the catalog check below.
	$text =~ s/^(SELECT pg_catalog\.binary_upgrade_create_empty_extension\(.*?), '\{[0-9,]*\}', '\{[",]*\}'/$1, 'CONFIG', 'CONDITIONS'/mg;
	# One LSN per attribute, dropped ones included: storage again (the
	# columns themselves are compared in CREATE TABLE).
	$text =~ s/'\{[0-9A-F\/,]+\}'::pg_catalog\.pg_lsn\[\]/'{LSNs}'::pg_catalog.pg_lsn[]/g;
	$text =~ s/'\d+'::pg_catalog\.oid/'OID'::pg_catalog.oid/g;
	$text =~ s/relfrozenxid = '\d+', relminmxid = '\d+'/relfrozenxid = 'XID', relminmxid = 'MXID'/g;
	$text =~ s/WHERE oid = '\d+';/WHERE oid = 'OID';/g;
	# A dropped column leaves a placeholder that binary upgrade recreates;
	# it is storage, not schema.
	$text =~ s/^\s*"\.+pg\.dropped\.\d+\.+" .*\n//mg;
	$text =~ s/-- For binary upgrade, recreate dropped column\.\n.*?DROP COLUMN "\.+pg\.dropped\.\d+\.+";\n\n?//gs;
	$text =~ s/,\n\);/\n);/g;
	return $text;
}

sub diff_text
{
	my ($name_a, $a, $name_b, $b) = @_;
	my ($fa, $fb) = ("$tmp/cmp_$name_a", "$tmp/cmp_$name_b");
	for ([ $fa, $a ], [ $fb, $b ])
	{
		open my $fh, '>', $_->[0] or die "$_->[0]: $!";
		print $fh $_->[1];
		close $fh;
	}
	my ($out, $err) = ('', '');
	IPC::Run::run([ 'diff', '-u', $fa, $fb ], '>', \$out, '2>', \$err);
	return $out . $err;
}

# The members and configuration tables, by name.
my $catalog_query = q{
SELECT 'member: ' || pg_describe_object(classid, objid, objsubid)
  FROM pg_depend d JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
 WHERE e.extname = 'userservice' AND d.deptype = 'e'
UNION ALL
SELECT 'extversion: ' || extversion FROM pg_extension WHERE extname = 'userservice'
UNION ALL
SELECT 'extconfig: ' || CASE WHEN EXISTS (SELECT FROM pg_class WHERE oid = c.cfg)
                              THEN c.cfg::regclass::text ELSE '(a dropped relation)' END
       || ' condition ' || quote_literal(c.cond)
  FROM pg_extension e,
       unnest(e.extconfig, e.extcondition) AS c(cfg, cond)
 WHERE e.extname = 'userservice'
ORDER BY 1};

for my $group (@groups)
{
	my ($version, @routes) = @$group;
	my %dump;

	for my $route (@routes)
	{
		my ($db, $statements) = @$route;
		$node->safe_psql('postgres', "CREATE DATABASE $db");
		$node->safe_psql($db, $_) for @$statements;
		is( $node->safe_psql($db, q{SELECT extversion FROM pg_extension WHERE extname = 'userservice'}),
			$version, "$db is at version $version");

		$dump{$db} = {
			plain   => pg_dump_text($db),
			binary  => normalize_binary_upgrade(pg_dump_text($db, '--binary-upgrade')),
			members => $node->safe_psql($db, '\dx+ userservice'),
			catalog => $node->safe_psql($db, $catalog_query),
		};
	}

	my $ref = $routes[0][0];
	# The reference dump is worth checking on its own: it must hold the
	# objects of its version, or comparing with it proves nothing.
	my $bin = $dump{$ref}{binary};
	like($bin, qr/^CREATE TABLE userservice\.users \(/m, "$ref: binary-upgrade dump has the users table");
	like($bin, qr/^COMMENT ON FUNCTION userservice\.create_user\(/m, "$ref: ... function comments");
	like($bin, qr/^GRANT ALL ON FUNCTION userservice\.create_user\(.*\) TO userservice_anon;/m, "$ref: ... grants");
	like($bin, qr/^ALTER EXTENSION userservice ADD TABLE userservice\.users;/m, "$ref: ... membership");
	my $n_functions = () = $bin =~ /^CREATE FUNCTION /mg;
	is($n_functions, { '1.0' => 5, '1.1' => 12, '1.2' => 19, '1.3' => 25 }->{$version},
		"$ref: binary-upgrade dump has every function of $version");
	for my $route (@routes)
	{
		my $db = $route->[0];
		is( $node->safe_psql($db,
				q{SELECT coalesce(string_agg(c::text, ','), '')
				  FROM pg_extension e, unnest(e.extconfig) AS c
				  WHERE e.extname = 'userservice'
				    AND NOT EXISTS (SELECT FROM pg_class WHERE oid = c)}),
			'',
			"$db: pg_extension.extconfig names no dropped relation");
	}
	my $n_members = () = $dump{$ref}{catalog} =~ /^member: /mg;
	is($n_members, { '1.0' => 8, '1.1' => 17, '1.2' => 29, '1.3' => 36 }->{$version},
		"$ref: member objects of $version");
	like($dump{$ref}{plain}, qr/^CREATE EXTENSION IF NOT EXISTS userservice WITH SCHEMA userservice;$/m,
		"$ref: the plain dump creates the extension");

	for my $route (@routes[ 1 .. $#routes ])
	{
		my $db = $route->[0];
		for my $kind (qw(plain binary members catalog))
		{
			is( diff_text("${ref}_$kind", $dump{$ref}{$kind}, "${db}_$kind", $dump{$db}{$kind}),
				'',
				"$version: $kind of $db equals $ref");
		}
	}
}

$node->stop;
done_testing();
