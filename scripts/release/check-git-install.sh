#!/usr/bin/env bash
# `npm run check:git-install [COMMIT]`: installs the package from this repository's git history (default HEAD) into
# an empty project, as `npm install <git url>` does for a user (npm clones it, installs its devDependencies and runs
# `prepare`, which builds), then loads the constructs and runs a tool through the bin. Needs the npm registry.
set -euo pipefail
repo=$(git rev-parse --show-toplevel)
commit=${1:-$(git -C "$repo" rev-parse HEAD)}
work=$(mktemp -d /tmp/git-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
start=$(date +%s)
npm install --no-audit --no-fund "git+file://$repo#$commit" aws-cdk-lib@2.276.0 constructs@10.8.1 >install.log 2>&1 || { tail -20 install.log; exit 1; }
echo "installed from git ($commit) in $(( $(date +%s) - start )) s"
test -f node_modules/genai-lifecycle-cdk/dist/lib/index.js || { echo "no dist/: prepare did not build"; exit 1; }
test -f node_modules/genai-lifecycle-cdk/dist/lib/runtime-bundles/api/index.js || { echo "no Lambda bundles"; exit 1; }
node -e "const k = require('genai-lifecycle-cdk'); for (const c of ['DatasetStore', 'GenerativeApi', 'GenAiLifecycleStage']) if (typeof k[c] !== 'function') { console.error('missing ' + c); process.exit(1); }"
npx --no-install genai-lifecycle-cdk estimate serve --model Qwen/Qwen2.5-7B-Instruct --context 4096 --concurrency 4 --json >/dev/null
echo "git install: constructs load, the bin runs"
