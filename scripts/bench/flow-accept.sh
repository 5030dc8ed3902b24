#!/usr/bin/env bash
# Flow accept benchmark (issue 5): a 200,000-record flow sent with `omnia flow send` to a
# real `omnia serve` on PostgreSQL — checks against the authorisations read from the
# database, COPY of the records with their amounts, fruito ledger postings — timed end to end.
#
#   scripts/bench/flow-accept.sh                       # 200,000 records
#   RECORDS=20000 scripts/bench/flow-accept.sh
#   PG=postgres://postgres@127.0.0.1:5432 DB=omnia_bench_accept scripts/bench/flow-accept.sh
#
# Steps: release build; a fresh database `$DB` (dropped and created) with the migrations
# and the demo data; `omnia flow generate` of one employer with one authorisation for all
# the records; the authorisation loaded as an authorised application of the demo employer
# `datore.meccanica` (its CF set to the generated one, the workers and their authorised
# hours COPYed in); the server started on a free port; `omnia flow send` timed.
# Figures in docs/PERFORMANCE.md, section "Flow acceptance".
set -euo pipefail
cd "$(dirname "$0")/../.."

RECORDS=${RECORDS:-200000}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=${DB:-omnia_bench_accept}
OUT=${OUT:-target/bench-flows}
PORT=${PORT:-18088}
MONTH=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
mkdir -p "$OUT"
FLOW="$OUT/accept-$RECORDS.xml"
AUTH="$OUT/accept-auth-$RECORDS.json"
URL="$PG/$DB"

command -v psql >/dev/null || { echo "psql missing: apt-get install postgresql-client" >&2; exit 2; }
cargo build --release -p omnia >&2
BIN="${CARGO_TARGET_DIR:-target}/release/omnia"

psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >&2
OMNIA_DATABASE_URL=$URL "$BIN" migrate >&2
OMNIA_DATABASE_URL=$URL "$BIN" demo >&2

echo "generating $RECORDS records ($MONTH) → $FLOW" >&2
"$BIN" flow generate --records "$RECORDS" --workers-per-employer "$RECORDS" --seed 7 \
  --month "$MONTH" --out "$FLOW" --authorisations-out "$AUTH" >&2

# The authorisation as an authorised application with its workers (CSV for COPY).
python3 - "$AUTH" "$OUT/accept-workers.csv" "$OUT/accept-app.csv" <<'PY'
import json, math, sys, uuid
a = json.load(open(sys.argv[1]))["authorisations"]
assert len(a) == 1, "one employer, one authorisation"
a = a[0]
with open(sys.argv[2], "w") as w:
    for cf, hours in a["workers"].items():
        w.write(f"{cf},{math.ceil(float(hours))}\n")
with open(sys.argv[3], "w") as w:
    w.write(",".join([str(uuid.uuid4()), a["employer_cf"], a["benefit"], a["period"]["start"],
        a["period"]["end"], a["number"], a["ticket"], a["authorised_on"]]) + "\n")
PY
psql -q -v ON_ERROR_STOP=1 "$URL" >&2 <<SQL
CREATE TEMP TABLE bench_app (id TEXT, employer_cf TEXT, benefit TEXT, start_date DATE,
  end_date DATE, number TEXT, ticket TEXT, authorised_on DATE);
\copy bench_app FROM '$OUT/accept-app.csv' WITH (FORMAT csv)
CREATE TEMP TABLE bench_workers (cf TEXT, hours BIGINT);
\copy bench_workers FROM '$OUT/accept-workers.csv' WITH (FORMAT csv)
-- Numbers the demo may already use go out of the way.
UPDATE applications SET authorisation_number = left(authorisation_number, 14) || '9' || right(authorisation_number, 6)
  WHERE authorisation_number IN (SELECT number FROM bench_app);
UPDATE applications SET ticket = ticket || '-demo' WHERE ticket IN (SELECT ticket FROM bench_app);
UPDATE employers SET cf = (SELECT employer_cf FROM bench_app)
  WHERE id = (SELECT employer_id FROM users WHERE username = 'datore.meccanica');
INSERT INTO workers (employer_id, unit_id, cf, surname, name, hire_date, qualifica,
  weekly_hours, working_days_per_week, hourly_wage_cents)
SELECT u.employer_id, (SELECT MIN(id) FROM productive_units p WHERE p.employer_id = u.employer_id),
  b.cf, 'Bench', 'Lavoratore', DATE '2020-01-01', 'operaio', 40, 5, 1250
FROM bench_workers b CROSS JOIN (SELECT employer_id FROM users WHERE username = 'datore.meccanica') u;
INSERT INTO applications (id, employer_id, unit_id, benefit, causale, kind, start_date, end_date,
  state, ticket, protocol_number, submitted_at, authorisation_number, decided_at, decided_by,
  created_by, created_at, updated_at)
SELECT b.id, u.employer_id, (SELECT MIN(id) FROM productive_units p WHERE p.employer_id = u.employer_id),
  b.benefit, 'MLC', 'sospensione', b.start_date, b.end_date, 'authorised', b.ticket,
  'BENCH-' || b.number, b.authorised_on, b.number, b.authorised_on,
  (SELECT id FROM users WHERE role = 'operator' ORDER BY id LIMIT 1), u.id,
  b.authorised_on, b.authorised_on
FROM bench_app b CROSS JOIN (SELECT id, employer_id FROM users WHERE username = 'datore.meccanica') u;
INSERT INTO application_workers (application_id, worker_id, hours_requested, hours_authorised)
SELECT (SELECT id FROM bench_app), w.id, b.hours, b.hours
FROM bench_workers b JOIN workers w ON w.cf = b.cf
  AND w.employer_id = (SELECT employer_id FROM users WHERE username = 'datore.meccanica');
ANALYZE;
SQL
ls -l "$FLOW" >&2

OMNIA_DATABASE_URL=$URL OMNIA_LISTEN=127.0.0.1:$PORT OMNIA_FLOW_MAX_BYTES=$((4 << 30)) \
  "$BIN" serve >"$OUT/accept-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

echo "machine: $(nproc) CPU; before: $(uptime)"
# Load sampled during the run (the load average lags: see also the server's CPU time).
( while sleep 5; do echo "  during: $(uptime)"; done ) &
SAMPLER=$!
START=$(date +%s.%N)
RC=0
OMNIA_USER=datore.meccanica OMNIA_PASSWORD='Omnia2026!' \
  "$BIN" flow send "$FLOW" --server "http://127.0.0.1:$PORT" >"$OUT/accept-report.txt" || RC=$?
END=$(date +%s.%N)
kill $SAMPLER 2>/dev/null || true
echo "after: $(uptime)"
head -5 "$OUT/accept-report.txt"
echo "omnia flow send of $RECORDS records: exit $RC, $(echo "$END - $START" | bc) s wall"
echo "server CPU time (user+sys, s): $(awk '{print ($14+$15)/100}' /proc/$SERVER/stat)"
psql -qtA "$URL" -c "SELECT 'records stored: ' || COUNT(*) FROM flow_records" \
  -c "SELECT 'ledger postings: ' || COUNT(*) FROM fruito_ledger WHERE source = 'flow'"
