#!/bin/sh
# Runs test-planted-leak under valgrind with the arguments of the other
# valgrind element tests ("$@": valgrind, its options, the program) and
# passes only if valgrind fails because of the planted leak: exactly one
# error, a "definitely lost" block allocated under plant_leak().
set -u
log=$(mktemp)
trap 'rm -f "$log"' EXIT
VALGRIND_OPTS="--log-file=$log" "$@"
status=$?
[ $status -eq 77 ] && { echo "SKIP: the test model is missing"; exit 77; }
awk '/are definitely lost in loss record/ { n++; inrec = 1; print; next }
     inrec && /==[0-9]+== *$/ { inrec = 0 }
     inrec { print }
     /ERROR SUMMARY/ { print }' "$log"
records=$(grep -c 'are definitely lost in loss record' "$log")
planted=$(awk '/are definitely lost in loss record/ { inrec = 1; next }
     inrec && /==[0-9]+== *$/ { inrec = 0 }
     inrec && /plant_leak/ { n++; inrec = 0 }
     END { print n + 0 }' "$log")
if [ $status -eq 1 ] && [ "$records" -eq 1 ] && [ "$planted" -eq 1 ] &&
    grep -q 'ERROR SUMMARY: 1 errors from 1 contexts' "$log"; then
  echo "PASS: valgrind reported the planted leak, and only it"
  exit 0
fi
echo "FAIL: expected valgrind to exit 1 with one definitely-lost block from"
echo "plant_leak(); got exit status $status, $records definitely-lost"
echo "record(s), $planted from plant_leak(). Full log:"
cat "$log"
exit 1
