#!/bin/sh
# `make demo`: the whole system on one machine as a local simulation (scripts/demo.py says
# what is simulated and what is real). Run as root after `make` (make demo does both).
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 scripts/demo.py "$@"
