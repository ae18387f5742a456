#!/bin/sh
# Run doxygen, its warnings (and the filter's) into a log that
# scripts/check-docs reads.   run-doxygen.sh DOXYGEN DOXYFILE LOG
set -eu
"$1" "$2" 2> "$3"
echo "API reference: $(dirname "$3")/html/index.html ($(wc -l < "$3") warnings in $3)"
