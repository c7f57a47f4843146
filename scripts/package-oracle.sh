#!/usr/bin/env bash
# The reference package list of an image archive, from third-party tools: skopeo
# and umoci unpack the merged root filesystem (as /work/shared/tools/oracle-listing.sh
# does), then dpkg itself lists its database (dpkg-query --admindir) and apk's
# database is listed by its documented P:/V: lines (no apk on Debian).
# Output, sorted: ecosystem<TAB>name<TAB>version, one package a line.
#
# usage: package-oracle.sh ARCHIVE [SOURCE]    (needs root, skopeo, umoci, dpkg)
# Used to make test/fixtures/expected-packages/*.tsv (see the PROVENANCE there).
set -euo pipefail
A=$(readlink -f "${1:?archive}"); SRC=${2:-}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
head=$(head -c 2 "$A" | od -An -tx1 | tr -d ' \n')
if [ "$head" = 1f8b ]; then zcat "$A" > "$W/outer.tar"; A="$W/outer.tar"; fi
if tar -tf "$A" manifest.json >/dev/null 2>&1; then T=docker-archive; else T=oci-archive; fi
skopeo copy -q --dest-decompress "$T:$A${SRC:+:$SRC}" "dir:$W/dir" >/dev/null
skopeo copy -q "dir:$W/dir" "oci:$W/oci:img" >/dev/null
umoci unpack --image "$W/oci:img" "$W/b" >/dev/null 2>&1
R="$W/b/rootfs"
{
  if [ -s "$R/var/lib/dpkg/status" ]; then
    # Installed = the package's files are on disk: every state but not-installed (n) and config-files (c).
    dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\n' \
      | awk -F'\t' '{ s=substr($1,2,1); if (s!="n" && s!="c") print "deb\t" $2 "\t" $3 }'
  fi
  if [ -s "$R/lib/apk/db/installed" ]; then
    awk -F: '/^P:/{p=substr($0,3)} /^V:/{print "apk\t" p "\t" substr($0,3)}' "$R/lib/apk/db/installed"
  fi
} | LC_ALL=C sort
