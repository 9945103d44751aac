#!/usr/bin/env bash
# tether.sh PARENT_PID LEFTOVER_DIR COMMAND [ARGS...]
# Runs COMMAND and ends it when PARENT_PID goes away. The test helper starts etcd
# and kube-apiserver through this so that they die with the test worker even when
# the worker itself is killed with SIGKILL and gets no chance to clean up; then
# LEFTOVER_DIR (the control plane's temporary directory; "-" for none) goes too.
# The helper starts it as a process-group leader, so stopping the group stops both.
set -u
parent="$1" leftover="$2"; shift 2
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit $?' TERM INT HUP
while kill -0 "$parent" 2>/dev/null; do
  if ! kill -0 "$child" 2>/dev/null; then
    wait "$child"
    exit $?
  fi
  # sleep in the background and wait for it, so a trap runs at once rather than
  # after the sleep.
  sleep 0.5 & wait $!
done
kill -TERM "$child" 2>/dev/null
for _ in $(seq 20); do kill -0 "$child" 2>/dev/null || break; sleep 0.5; done
kill -KILL "$child" 2>/dev/null
wait "$child" 2>/dev/null
[ "$leftover" != - ] && rm -rf -- "$leftover"
exit 0
