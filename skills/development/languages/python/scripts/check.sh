#!/usr/bin/env sh
# Lint, type-check and test the project in the current folder.
set -eu
uv run ruff check .
uv run mypy --strict .
uv run pytest -q
