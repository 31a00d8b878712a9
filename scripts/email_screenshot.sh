#!/usr/bin/env bash
# What a reader sees of plan.eml: its HTML part rendered by headless
# Chromium, the inline images (cid:) resolved to files, as a PNG.
#
#   scripts/email_screenshot.sh reports/2026-W44/plan.eml [shot.png] [WIDTHxHEIGHT]
#
# Needs python3 (standard library only) and chromium (Debian:
# apt-get install -y chromium; for Chinese text also a CJK font such as
# fonts-noto-cjk or fonts-wqy-zenhei). Writes the page beside the shot in
# <shot>.d/ so it can be opened in any browser.
set -euo pipefail
eml=${1:?usage: $0 PLAN_EML [SHOT_PNG] [WIDTHxHEIGHT]}
shot=${2:-plan_eml.png}
size=${3:-1400x2000}
browser=${ACQPLAN_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$browser" ]; then
  echo "no chromium on PATH: apt-get install -y chromium (or set ACQPLAN_CHROMIUM)" >&2
  exit 1
fi
page="$shot.d"
mkdir -p "$page"
python3 - "$eml" "$page" <<'PY'
import email, email.policy, pathlib, re, sys
msg = email.message_from_bytes(pathlib.Path(sys.argv[1]).read_bytes(), policy=email.policy.default)
out = pathlib.Path(sys.argv[2])
html = None
cids = {}
for part in msg.walk():
    ctype = part.get_content_type()
    if ctype == "text/html" and html is None:
        html = part.get_content()
    cid = part.get("Content-ID")
    if cid:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", cid.strip("<>"))
        (out / name).write_bytes(part.get_payload(decode=True))
        cids[cid.strip("<>")] = name
if html is None:
    sys.exit("plan.eml has no text/html part")
for cid, name in cids.items():
    html = html.replace("cid:" + cid, name)
(out / "plan.html").write_text(html, encoding="utf-8")
print(f"subject: {msg['subject']}", file=sys.stderr)
PY
w=${size%x*}
h=${size#*x}
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --force-device-scale-factor=1 --force-color-profile=srgb \
  --user-data-dir="$page/.profile" \
  --screenshot="$shot" --window-size="$w,$h" "file://$(cd "$page" && pwd)/plan.html" 2>/dev/null
rm -rf "$page/.profile"
echo "wrote $shot (the page: $page/plan.html)" >&2
