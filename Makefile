# userservice: a user service inside PostgreSQL, built with PGXS.
EXTENSION = userservice
MODULE_big = userservice
OBJS = $(patsubst %.c,%.o,$(wildcard src/*.c))
DATA = $(wildcard sql/userservice--*.sql)

# Regression suites: test/sql/*.sql, expected output in test/expected.
REGRESS = $(sort $(basename $(notdir $(wildcard test/sql/*.sql))))
REGRESS_OPTS = --inputdir=test --load-extension=userservice

ISOLATION = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=userservice

# TAP tests (test/t/*.pl) start clusters of their own with PostgreSQL::Test::Cluster.
ifneq ($(wildcard test/t/*.pl),)
TAP_TESTS = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))
endif

PG_CPPFLAGS = -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare -Wno-cast-function-type
# ICU (src/unicode_rules.c): the libraries the server itself was built with,
# which PGXS names in ICU_LIBS (and whose ICU_CFLAGS it adds to CPPFLAGS);
# pkg-config's when PGXS names none.
SHLIB_LINK = -lsodium $(or $(ICU_LIBS),$(shell pkg-config --libs icu-uc icu-i18n))

EXTRA_CLEAN = output_iso tmp_check_iso

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS does not track headers: rebuild every object when any header changes.
$(OBJS): $(wildcard src/*.h)
