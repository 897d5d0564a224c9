#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages if needed, starts the default
# cluster on 127.0.0.1:5432, creates the test database and writes
# .ci/postgres.env with ITSM_TEST_POSTGRES_URL for the tests to use.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
	echo "== installing PostgreSQL"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$ver main"; then
	pg_createcluster "$ver" main >/dev/null
fi
pg_ctlcluster "$ver" main start 2>/dev/null || true
for _ in $(seq 1 30); do
	if runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p 5432; then break; fi
	sleep 1
done
runuser -u postgres -- pg_isready -h 127.0.0.1 -p 5432
runuser -u postgres -- psql -q -h /var/run/postgresql -c "ALTER USER postgres PASSWORD 'postgres'"
if ! runuser -u postgres -- psql -tA -h /var/run/postgresql -c "SELECT 1 FROM pg_database WHERE datname='itsm_test'" | grep -q 1; then
	runuser -u postgres -- createdb -h /var/run/postgresql itsm_test
fi
echo "export ITSM_TEST_POSTGRES_URL='postgres://postgres:postgres@127.0.0.1:5432/itsm_test?sslmode=disable'" > .ci/postgres.env
echo "PostgreSQL $ver ready on 127.0.0.1:5432"
