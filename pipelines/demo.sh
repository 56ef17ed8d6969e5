#!/bin/sh
# The demo: GStreamer's test patterns, named on screen by the installed
# demo model (or $CLIPCLASSIFY_MODEL / --model). Options: see demo.py --help.
exec /usr/bin/python3 "$(dirname "$0")/demo.py" "$@"
