#!/usr/bin/env bash
# Makes test/fixtures/rpmdb/: an rpm SQLite database (rpm 4.18, Debian's `rpm`)
# holding two packages built from the .spec files there, and the same headers in
# a Berkeley DB hash `Packages` as rpm < 4.16 kept them (key: the header's
# instance number, 4 bytes native order; value: the header blob), written by
# Berkeley DB 5.3's own db_load.
# needs: apt-get install -y rpm db5.3-util sqlite3
set -euo pipefail
OUT=$(cd "$(dirname "$0")/../test/fixtures/rpmdb" && pwd)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/SPECS" "$W/db"
cp "$OUT"/*.spec "$W/SPECS/"
for s in "$W"/SPECS/*.spec; do rpmbuild --define "_topdir $W" -bb "$s" >/dev/null; done
rpm --dbpath "$W/db" --initdb
rpm --dbpath "$W/db" -i --justdb --nodeps --noscripts --ignorearch --ignoreos $(find "$W/RPMS" -name '*.rpm') 2>/dev/null
cp "$W/db/rpmdb.sqlite" "$OUT/rpmdb.sqlite"
{
  printf 'VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END\n'
  sqlite3 "$W/db/rpmdb.sqlite" "select hnum, lower(hex(blob)) from Packages order by hnum" |
    while IFS='|' read -r n hex; do printf ' %02x000000\n %s\n' "$n" "$hex"; done
  printf 'DATA=END\n'
} > "$W/packages.dump"
rm -f "$OUT/Packages"
db5.3_load -f "$W/packages.dump" "$OUT/Packages"
rpm --dbpath "$W/db" -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SIZE}\n' | LC_ALL=C sort > "$OUT/expected.tsv"
