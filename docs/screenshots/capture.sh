#!/bin/bash
# Screenshots of the text report as a terminal shows it: run in a 120x40 tmux pane, captured with
# its colours (tmux capture-pane -e), turned into HTML by aha and into PNG by headless Chromium,
# then quantised by pngquant (Debian packages: tmux aha chromium pngquant).
# usage: docs/screenshots/capture.sh NAME "policyguard command" FIRST_LINE LAST_LINE   (from the checkout)
set -euo pipefail
name=$1; cmd=$2; from=$3; to=$4
here=$(pwd); work=$(mktemp -d); bin=$(dirname "$(command -v policyguard)")
tmux kill-session -t pgshot 2>/dev/null && sleep 0.5 || true
tmux new-session -d -s pgshot -x 120 -y 40 -c "$here" "env -i HOME=$work TERM=xterm-256color PATH=$bin:/usr/bin:/bin PS1='$ ' bash --norc --noprofile"
sleep 0.5
tmux send-keys -t pgshot "clear; $cmd" Enter
for _ in $(seq 1 120); do sleep 1; tmux capture-pane -t pgshot -p | grep -q "^Gate:" && break; done
tmux capture-pane -t pgshot -p -e -S - -E - | sed -n "${from},${to}p" > "$work/$name.ansi"
tmux kill-session -t pgshot
{ echo '<html><head><meta charset="utf-8"><style>body{margin:0;background:#1e1e1e}'
  echo 'pre{margin:0;padding:8px;font:13px/1.25 "DejaVu Sans Mono",monospace;color:#ddd;background:#1e1e1e}</style></head><body><pre>'
  aha --no-header --black < "$work/$name.ansi"; echo '</pre></body></html>'; } > "$work/$name.html"
height=$(( $(wc -l < "$work/$name.ansi") * 17 + 20 ))
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1010,$height \
  --screenshot="$work/$name.png" "file://$work/$name.html" >/dev/null 2>&1
pngquant --force --quality 60-90 --output "docs/screenshots/$name.png" "$work/$name.png"
rm -rf "$work"
