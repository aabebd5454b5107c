# Helpers the TAP tests share. A test loads it with
#   use FindBin; use lib $FindBin::Bin; use UserserviceTest;
package UserserviceTest;

use strict;
use warnings;
use Exporter 'import';

our @EXPORT = qw(sqlstate_of extversion);

# What a statement answered: 'ok', the SQLSTATE of its error, or the error
# text when it has none (a failure to connect, say). %opts go to psql.
sub sqlstate_of
{
	my ($node, $db, $sql, %opts) = @_;
	my ($rc, $out, $err) = $node->psql($db, "\\set VERBOSITY verbose\n$sql", %opts);
	return 'ok' if $rc == 0;
	return $err =~ /ERROR:\s+([0-9A-Z]{5}):/ ? $1 : "rc=$rc: $err";
}

# The installed version of the extension in database $db.
sub extversion
{
	my ($node, $db) = @_;
	return $node->safe_psql($db // 'postgres',
		"SELECT extversion FROM pg_extension WHERE extname = 'userservice'");
}

1;
