#!/usr/bin/env bash
# Print the executed plan of one query, with buffer counts, against $DATABASE_URL.
set -euo pipefail
psql "${DATABASE_URL:?set DATABASE_URL}" -X -c "EXPLAIN (ANALYZE, BUFFERS, VERBOSE) $1"
