#!/usr/bin/env bash
# Run the standalone binary with networking unavailable (a fresh, empty network namespace).
#
#   bash packaging/selftest_offline.sh dist/sqzdesk/sqzdesk [selftest|analyze]
#
#   selftest  (default) `sqzdesk selftest --gui`: every task on its built-in sample, then the window
#             (Qt offscreen unless QT_QPA_PLATFORM says otherwise) analyses a sample, answers a question
#             and lists a folder; exits 1 while a task's bundle is not shipped ("no usable bundle")
#   analyze   `sqzdesk models` + `sqzdesk analyze --stdin` on two sample lines (sentiment + entities only):
#             the gate to use until all three bundles are shipped
#
# Needs `unshare -n` (root) or `unshare -rn` (unprivileged user namespaces); exits 3 when neither is
# permitted, so "could not isolate" is never mistaken for "passed offline". Exit 0 only on success.
# SQZDESK_MODEL_PATH is passed through (e.g. to try it on test bundles).
set -euo pipefail

usage() { echo "usage: $0 BINARY [selftest|analyze]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
bin=$1
mode=${2:-selftest}
case "$mode" in selftest | analyze) ;; *) usage ;; esac
[ -x "$bin" ] || { echo "$0: $bin is not an executable" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

if [ "${SQZDESK_OFFLINE_INNER:-}" != 1 ]; then
    for isolate in "unshare -n" "unshare -rn"; do
        if $isolate true 2>/dev/null; then
            echo "== offline: running under '$isolate' (new network namespace, no interfaces up)"
            # shellcheck disable=SC2086
            exec env SQZDESK_OFFLINE_INNER=1 $isolate bash "$0" "$bin" "$mode"
        fi
    done
    echo "$0: cannot create a network namespace here (unshare -n and unshare -rn are not permitted);" \
         "the offline check did not run" >&2
    exit 3
fi

# Inside the namespace: prove the network is really gone before trusting the result.
if (exec 3<>/dev/tcp/1.1.1.1/53) 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; then
    echo "$0: a TCP connection succeeded inside the namespace; not offline" >&2
    exit 1
fi
echo "network check: no route out (TCP connect fails)"

case "$mode" in
selftest)
    echo "== $bin selftest --gui"
    QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$bin" selftest --gui
    ;;
analyze)
    echo "== $bin models"
    "$bin" models
    echo "== $bin analyze --stdin"
    out=$(printf '%s\n' \
        '{"id": 1, "text": "Angela Merkel met Emmanuel Macron in Paris. The talks went well."}' \
        '{"id": 2, "text": "This was a terrible product. It broke after two days."}' \
        | "$bin" analyze --stdin)
    echo "$out"
    lines=$(printf '%s\n' "$out" | grep -c '^{"id": [12], "sentiment": {"label": "\(positive\|negative\)".*"entities": \[' || true)
    if [ "$lines" -ne 2 ]; then
        echo "$0: expected 2 result lines with sentiment and entities, got $lines" >&2
        exit 1
    fi
    echo "ok: analyze --stdin gave 2 well-formed lines offline"
    ;;
esac
