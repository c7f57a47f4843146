#!/usr/bin/env bash
# Makes test/fixtures/rpmdb/: an rpm SQLite database (rpm 4.18, Debian's `rpm`)
# holding two packages built from the .spec files there, and the same headers in
# a Berkeley DB hash `Packages` as rpm < 4.16 kept them (key: the header's
# instance number, 4 bytes native order; value: the header blob), written by
# Berkeley DB 5.3's own db_load.
# Then the next step of an image's life, in upgraded/: the same database after rpm
# upgraded hello (2.12 → 2.13), erased tinylib and installed newtool — what a
# `RUN dnf upgrade hello && dnf remove tinylib && dnf install newtool` layer ships.
# Each directory's expected.tsv is `rpm -qa` over its database.
# needs: apt-get install -y rpm db5.3-util sqlite3
set -euo pipefail
OUT=$(cd "$(dirname "$0")/../test/fixtures/rpmdb" && pwd)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/SPECS" "$W/db" "$OUT/upgraded"
cp "$OUT"/*.spec "$W/SPECS/"
for s in "$W"/SPECS/*.spec; do rpmbuild --define "_topdir $W" -bb "$s" >/dev/null; done
rpm_of() { find "$W/RPMS" -name "$1"; }
RPM=(rpm --dbpath "$W/db")
JUST=(--justdb --nodeps --noscripts --ignorearch --ignoreos)

# $1: a directory holding rpmdb.sqlite: writes Packages (Berkeley DB) and expected.tsv there.
bdb_and_expected() {
  local d=$1
  {
    printf 'VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END\n'
    sqlite3 "$W/db/rpmdb.sqlite" "select hnum, lower(hex(blob)) from Packages order by hnum" |
      while IFS='|' read -r n hex; do printf ' %02x000000\n %s\n' "$n" "$hex"; done
    printf 'DATA=END\n'
  } > "$W/packages.dump"
  rm -f "$d/Packages"
  db5.3_load -f "$W/packages.dump" "$d/Packages"
  "${RPM[@]}" -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SIZE}\n' | LC_ALL=C sort > "$d/expected.tsv"
}

"${RPM[@]}" --initdb
"${RPM[@]}" -i "${JUST[@]}" "$(rpm_of 'hello-2.12-*.rpm')" "$(rpm_of 'tinylib-*.rpm')" 2>/dev/null
cp "$W/db/rpmdb.sqlite" "$OUT/rpmdb.sqlite"
bdb_and_expected "$OUT"

"${RPM[@]}" -U "${JUST[@]}" "$(rpm_of 'hello-2.13-*.rpm')" 2>/dev/null
"${RPM[@]}" -e --justdb --nodeps --noscripts tinylib 2>/dev/null
"${RPM[@]}" -i "${JUST[@]}" "$(rpm_of 'newtool-*.rpm')" 2>/dev/null
cp "$W/db/rpmdb.sqlite" "$OUT/upgraded/rpmdb.sqlite"
bdb_and_expected "$OUT/upgraded"
