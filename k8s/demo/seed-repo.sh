#!/bin/sh
# The in-cluster git server's seed: a repository made from the demo site (a ConfigMap), so the
# demo needs no internet and no credentials. Run once per git-server pod, before git daemon.
set -eu
# The paths come from the environment (the manifests set them), so that podrun, which runs this
# script on the host with each mount at a folder of its own, can point them at those folders.
repo=${SEED_REPO:-/srv/git/site}
files=${SEED_FILES:-/seed}
git init -q -b main "$repo"
# ConfigMap files are symlinks into ..data; copy their content, not the links.
cp -L "$files"/* "$repo/"
cd "$repo"
git add -A
git -c user.name=pod-patterns -c user.email=demo@pod-patterns.invalid commit -q -m "demo site"
# git daemon serves only repositories that say so.
touch .git/git-daemon-export-ok
