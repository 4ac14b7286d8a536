#!/usr/bin/env bash
# Builds the tame image that exported pipelines run their non-shell steps in
# (`tame __step KIND` on Argo, Tekton and GitHub Actions; docs/export.md):
#
#   scripts/tame-image.sh [TAG]        default tag: tame:<version of the build>
#
# The image is made from this machine's files, nothing is pulled: FROM scratch
# with the freshly built tame, busybox (sh, sed, tail: what the exported
# wrapper scripts call), git with its https helper, ssh-keygen, CA
# certificates, and every shared library these need, libcurl included (tame
# opens it when a step makes a request). Uses the engine DOCKER_HOST names,
# else the local one. Push it where your cluster pulls from:
#
#   docker tag tame:0.1.0 registry.example.org/tame:0.1.0 && docker push ...
#
# and name it at export time (--tame-image, or x-export.tame_image).
set -euo pipefail
cd "$(dirname "$0")/.."

tame=${TAME:-build/bin/tame}
[ -x "$tame" ] || { echo "tame-image: $tame is missing; run make build" >&2; exit 2; }
version=$("$tame" --version | awk '{ print $2 }')
tag=${1:-tame:$version}
command -v docker > /dev/null || { echo "tame-image: the docker command is missing" >&2; exit 2; }

busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list > /dev/null 2>&1 || {
  echo "tame-image: $busybox is missing (apt-get install busybox-static)" >&2; exit 2; }
ldd "$busybox" > /dev/null 2>&1 && {
  echo "tame-image: $busybox is not the static busybox (apt-get install busybox-static)" >&2; exit 2; }

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
root=$context/rootfs
mkdir -p "$root"/{bin,usr/bin,usr/local/bin,usr/lib/git-core,etc/ssl/certs,tmp,workspace,root}
chmod 1777 "$root/tmp"

cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

binaries=("$tame" /usr/bin/git /usr/lib/git-core/git-remote-http /usr/bin/ssh-keygen)
cp "$tame" "$root/usr/local/bin/tame"
cp /usr/bin/git /usr/bin/ssh-keygen "$root/usr/bin/"
cp /usr/lib/git-core/git-remote-http "$root/usr/lib/git-core/"
ln -s git-remote-http "$root/usr/lib/git-core/git-remote-https"
ln -s ../../bin/git "$root/usr/lib/git-core/git"
# git's builtins that run as programs of their own (git-upload-pack, which a
# fetch from a local path starts, and the rest): links to git, as in Debian.
for link in /usr/lib/git-core/git-*; do
  [ -L "$link" ] && [ "$(readlink "$link")" = git ] && ln -s git "$root/usr/lib/git-core/${link##*/}"
done
ln -s git "$root/usr/bin/git-upload-pack"
ln -s git "$root/usr/bin/git-receive-pack"
mkdir -p "$root/usr/share/git-core/templates"

# Each library at the path the loader finds it on this machine, so that the
# image's loader, which has no cache, finds it in its default folders.
# awk reads to the end: leaving early would make ldconfig die of SIGPIPE, a
# failure under pipefail.
libcurl=$(/sbin/ldconfig -p | awk '$1 == "libcurl.so.4" && /x86-64/ && !found { print $NF; found = 1 }')
[ -n "$libcurl" ] || { echo "tame-image: libcurl.so.4 is missing (apt-get install libcurl4)" >&2; exit 2; }
libraries() {
  for file in "${binaries[@]}" "$libcurl"; do
    ldd "$file" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
  done
  echo "$libcurl"
}
libraries | sort -u | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
  > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"

cat > "$context/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
WORKDIR /workspace
CMD ["tame", "help"]
EOF

if ! docker build -q -t "$tag" "$context" > "$context/build.log" 2>&1; then
  cat "$context/build.log" >&2
  exit 1
fi
echo "tame-image: built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.1f MB", $1 / 1e6 }'))"
