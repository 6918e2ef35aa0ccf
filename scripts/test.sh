#!/usr/bin/env bash
# The whole test suite on a fresh clone: system packages, the Python environment,
# lint, types, tests. The README and CI run exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/test-env.sh
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'

.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
MOZDEF_TEST_OPENSEARCH_URL=$(scripts/opensearch.sh start); export MOZDEF_TEST_OPENSEARCH_URL
MOZDEF_TEST_DATABASE_URL=$(scripts/postgres.sh start); export MOZDEF_TEST_DATABASE_URL
MOZDEF_TEST_RABBITMQ_URL=$(scripts/rabbitmq.sh start); export MOZDEF_TEST_RABBITMQ_URL
.venv/bin/pytest -q "$@"
