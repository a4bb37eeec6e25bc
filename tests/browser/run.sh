#!/usr/bin/env bash
# The dashboard's browser test (tests/browser/dashboard.py), self-installing, for .ci/run:
#   bash tests/browser/run.sh PYTHON
# installs Debian's chromium and chromium-driver (apt-get, as root, when missing), Python's
# selenium in .venv-browser (git-ignored), and axe-core from npm into target/axe (git-ignored),
# builds the gateway, then drives the page. Screenshots land in target/dashboard/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PYTHON="${1:-python3}"
# selenium 4.51: the newest whose dependencies the package index here resolves (4.52 needs a
# certifi it does not have); the same pin and the same .venv-browser as the widget's browser test
# in .ci/run, so one virtualenv serves both. axe-core pinned for a stable rule set.
SELENIUM=selenium==4.51.0
AXE=axe-core@4.14.1

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver
fi
if ! command -v npm >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
fi
if ! .venv-browser/bin/python -c "import selenium, sys; sys.exit(selenium.__version__ != '${SELENIUM#*==}')" 2>/dev/null; then
    rm -rf .venv-browser
    "$PYTHON" -m venv .venv-browser
    .venv-browser/bin/python -m pip install --quiet "$SELENIUM"
fi
if [[ ! -f target/axe/node_modules/axe-core/axe.min.js ]]; then
    npm install --silent --no-audit --no-fund --prefix target/axe "$AXE"
fi
echo "$(chromium --version 2>/dev/null), $(chromedriver --version | cut -d' ' -f1-2), selenium $(.venv-browser/bin/python -c 'import selenium; print(selenium.__version__)'), axe-core $(node -p "require('./target/axe/node_modules/axe-core/package.json').version")"

cargo build --quiet
.venv-browser/bin/python tests/browser/dashboard.py --binary target/debug/deskbridge \
    --axe target/axe/node_modules/axe-core/axe.min.js
