#!/usr/bin/env bash
# CI hook (called by .ci/run when executable): checks the release configuration
# and makes a snapshot release of the host's target, offline, then verifies
# that the archive and the packages carry the completions and the man pages.
#
# goreleaser v2.15.1 (newer ones need Go 1.27) is taken from PATH, else from
# a cache directory, else installed there with `go install` (slow the first
# time: it is a large program; the Go build cache makes later installs quick).
# Set USERCTL_SKIP_RELEASE_CHECK=1 to skip this hook.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${USERCTL_SKIP_RELEASE_CHECK:-}" ]; then
  echo "== release check skipped (USERCTL_SKIP_RELEASE_CHECK is set)"
  exit 0
fi

want=2.15.1
echo "== goreleaser $want"
gr=""
if command -v goreleaser >/dev/null 2>&1 && goreleaser --version 2>/dev/null | grep -q "$want"; then
  gr=$(command -v goreleaser)
else
  gobin="${XDG_CACHE_HOME:-$HOME/.cache}/userctl-ci/goreleaser-$want"
  if [ ! -x "$gobin/goreleaser" ]; then
    mkdir -p "$gobin"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    echo "installing goreleaser v$want (first run only)"
    # Install into a temporary GOBIN, then move into the cache: an
    # interrupted install never leaves a broken binary behind.
    GOBIN="$tmp" go install "github.com/goreleaser/goreleaser/v2@v$want"
    mv "$tmp/goreleaser" "$gobin/goreleaser"
  fi
  gr="$gobin/goreleaser"
fi
"$gr" --version | grep -m1 -i "version" || true

echo "== goreleaser check"
"$gr" check

# The full release builds six targets (minutes on a cold cache); CI builds
# the host's only, from a copy of the config restricted to it, and runs every
# other step of the release (archives, checksums, deb and rpm) as is.
goos=$(go env GOOS)
goarch=$(go env GOARCH)
echo "== goreleaser snapshot release ($goos/$goarch only)"
cfg=$(mktemp --suffix=.yaml)
sed -e "s|^    goos: \[linux, darwin, windows\]\$|    goos: [$goos]|" \
    -e "s|^    goarch: \[amd64, arm64\]\$|    goarch: [$goarch]|" .goreleaser.yaml >"$cfg"
if cmp -s .goreleaser.yaml "$cfg"; then
  echo "could not restrict .goreleaser.yaml to $goos/$goarch (goos/goarch lines changed?)"; exit 1
fi
"$gr" release --config "$cfg" --snapshot --clean --skip=publish
rm -f "$cfg"

echo "== release contents"
if [ "$goos" = windows ]; then
  archive=$(ls dist/userctl_*_"${goos}"_"${goarch}"*.zip)
  list=$(unzip -Z1 "$archive")
else
  archive=$(ls dist/userctl_*_"${goos}"_"${goarch}"*.tar.gz)
  list=$(tar -tzf "$archive")
fi
echo "$archive"
for f in userctl completions/userctl.bash completions/_userctl completions/userctl.fish completions/userctl.ps1 \
  docs/man/userctl.1 docs/man/userctl-users-create.1; do
  if ! grep -qx "$f" <<<"$list"; then
    echo "missing from $archive: $f"; exit 1
  fi
done
echo "archive has the binary, the completions and the man pages"

if [ "$goos" = linux ]; then
  deb=$(ls dist/*.deb 2>/dev/null | head -1 || true)
  if [ -n "$deb" ] && command -v dpkg-deb >/dev/null 2>&1; then
    contents=$(dpkg-deb -c "$deb")
    for f in ./usr/bin/userctl ./usr/share/bash-completion/completions/userctl \
      ./usr/share/zsh/vendor-completions/_userctl ./usr/share/fish/vendor_completions.d/userctl.fish \
      ./usr/share/man/man1/userctl-users-create.1; do
      if ! grep -q " $f\$" <<<"$contents"; then
        echo "missing from $deb: $f"; exit 1
      fi
    done
    echo "$deb installs the binary, the completions and the man pages"
  fi
  # The snapshot binary runs and carries the linker-set version.
  bin=$(ls dist/userctl_"${goos}"_"${goarch}"*/userctl | head -1)
  "$bin" version
fi
echo "== release check passed"
