#!/usr/bin/env bash
# Opens a `gan-numerics report` page in headless Chromium (Debian: `apt-get install chromium`)
# with the network cut off, and fails if the browser logs any console message (a script error,
# a resource it could not load), if the page's script did not finish, if a picture does not
# decode or if there is no plot. Then writes a screenshot to look at.
#
#   scripts/check_report.sh RUN/report.html [SCREENSHOT.png]
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 REPORT.html [SCREENSHOT.png]" >&2; exit 2; }
report=$(realpath "$1")
screenshot=${2:-${report%.html}.png}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[[ -n $browser ]] || { echo "no chromium found: apt-get install chromium" >&2; exit 2; }
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --host-resolver-rules="MAP * ~NOTFOUND"
       --virtual-time-budget=10000)
log=$(mktemp) && dom=$(mktemp)
trap 'rm -f "$log" "$dom"' EXIT

"$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$report" >"$dom" 2>"$log"
if grep -q "CONSOLE" "$log"; then
    echo "FAIL: the browser logged console messages:"; grep "CONSOLE" "$log"; exit 1
fi
body=$(grep -o '<body[^>]*>' "$dom" | head -n 1)
attribute() { sed -n "s/.* $1=\"\([^\"]*\)\".*/\1/p" <<<"$body"; }
[[ $(attribute data-ready) == yes ]] || { echo "FAIL: the page's script did not finish: $body"; exit 1; }
[[ -z $(attribute data-error) ]] || { echo "FAIL: script error: $(attribute data-error)"; exit 1; }
images=$(attribute data-images) decoded=$(attribute data-images-decoded)
[[ $images == "$decoded" ]] || { echo "FAIL: only $decoded of $images pictures decoded"; exit 1; }
plots=$(grep -o '<svg' "$dom" | wc -l)
[[ $plots -gt 0 ]] || { echo "FAIL: no plot on the page"; exit 1; }

"$browser" "${flags[@]}" --window-size=1280,4000 --screenshot="$screenshot" "file://$report" 2>/dev/null
echo "OK: $report loads in $("$browser" --version 2>/dev/null) with no console message; $decoded pictures decoded, $plots inline SVG plots; screenshot $screenshot"
