#!/usr/bin/env bash
# Builds Layerscope's built-in example image (public/example.tar): a small real
# image whose five layers each show one teaching concept, made the way
# `docker build` would make it (one layer per filesystem step, metadata-only
# steps as empty_layer history entries), then saved as a `docker save`-style
# archive (docker-archive) by skopeo.
#
#   layer 0  ADD rootfs.tar /              base rootfs: busybox + applet symlinks, /etc, ~0.8 MB of docs
#   layer 1  COPY --chown=1000:1000 app/   an added app (script, config, PNG, README)
#   layer 2  RUN … > /etc/motd && sed …    overwritten files (copy-on-write: old bytes still ship)
#   layer 3  RUN rm …/big.txt              a whiteout hiding 512 KiB that still ship in layer 0
#   layer 4  RUN rm -rf /app/config && …   a replaced directory: opaque whiteout `.wh..wh..opq`
#
# Needs root and Debian's umoci, skopeo, busybox-static, python3 and GNU tar.
# Deterministic: every timestamp derives from SOURCE_DATE_EPOCH (default
# 2024-01-01T00:00:00Z), so two runs give byte-identical layers and config.
#
# usage: make-example-image.sh [OUT]   (default: public/example.tar next to this script)
set -euo pipefail
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(readlink -f "${1:-$HERE/../public/example.tar}")
TAG=layerscope/example:1.0
BASE=${SOURCE_DATE_EPOCH:-1704067200}
# One minute per build step, so the history reads like a real build.
STEP_SECONDS=60
BUSYBOX=/bin/busybox
APP_UID=1000
# The page fetches the example on first visit and git carries it: keep it small.
MAX_BYTES=3000000

for tool in umoci skopeo python3 tar chroot; do
  command -v "$tool" >/dev/null || { echo "make-example-image: $tool not found (apt-get install -y umoci skopeo busybox-static)" >&2; exit 1; }
done
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list >/dev/null || { echo "make-example-image: $BUSYBOX missing (apt-get install -y busybox-static)" >&2; exit 1; }
# A dynamic busybox would need its libc inside the image for the RUN steps (chroot).
if command -v file >/dev/null && ! file -L "$BUSYBOX" | grep -q 'statically linked'; then
  echo "make-example-image: $BUSYBOX is not static (apt-get install -y busybox-static)" >&2; exit 1
fi
[ "$(id -u)" = 0 ] || { echo "make-example-image: run as root (umoci unpack/repack keep owners, chroot)" >&2; exit 1; }

W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
IMG="$W/oci:example"
t() { echo $((BASE + $1 * STEP_SECONDS)); }                # epoch of step N
iso() { date -u -d "@$(t "$1")" +%Y-%m-%dT%H:%M:%SZ; }    # RFC 3339 of step N

# Deterministic layer tar from a staging dir (GNU tar; pax so long names would
# still work, without atime/ctime records that would make the bytes vary).
mktar() { # mktar OUT.tar DIR MTIME [members...]
  local out=$1 dir=$2 mtime=$3; shift 3
  tar --format=pax --pax-option=delete=atime,delete=ctime --sort=name \
      --numeric-owner --mtime="@$mtime" -C "$dir" -cf "$out" "$@"
}

# Normalize what a step touched to the step's time: files the step created or
# changed (and their parent dirs) are newer than the marker; the rest keep the
# times of the layers they came from, so umoci's mtree diff sees only the step's work.
settle() { # settle ROOTFS STEP
  local ts; ts=$(t "$2")
  find "$1" -newer "$W/marker" -exec touch -h -d "@$ts" {} +
}
begin() { touch -d "@$(t "$1")" "$W/marker"; }

unpack() { rm -rf "$W/b"; umoci unpack --image "$IMG" "$W/b" >/dev/null; }
repack() { # repack STEP created_by
  umoci repack --image "$IMG" --history.created "$(iso "$1")" --history.created_by "$2" "$W/b"
}
# created_by of a RUN step, worded as BuildKit records it.
run_by() { echo "RUN /bin/sh -c $1 # buildkit"; }
run() { # run STEP shell-command  (runs inside the image, with the image's own busybox sh)
  local step=$1 cmd=$2
  unpack; begin "$step"
  chroot "$W/b/rootfs" /bin/sh -c "$cmd"
  settle "$W/b/rootfs" "$step"
  repack "$step" "$(run_by "$cmd")"
}
meta() { # meta STEP created_by umoci-config-options...
  local step=$1 what=$2; shift 2
  umoci config --image "$IMG" --created "$(iso "$step")" \
    --history.created "$(iso "$step")" --history.created_by "$what" "$@"
}

umoci init --layout "$W/oci" >/dev/null
umoci new --image "$IMG" >/dev/null

# ---------------------------------------------------------------- layer 0: base rootfs
R="$W/rootfs0"
mkdir -p "$R"/{bin,etc,dev,proc,sys,tmp,root,home/app,var/log,usr/share/doc/example,usr/share/doc/busybox-static}
chmod 1777 "$R/tmp"; chmod 700 "$R/root"
cp "$BUSYBOX" "$R/bin/busybox"; chmod 755 "$R/bin/busybox"
# Symlinks for busybox's /bin applets (as `busybox --install -s` would make).
for a in $("$BUSYBOX" --list-full | sed -n 's|^bin/||p'); do
  [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done
cat > "$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:Example app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > "$R/etc/group" <<'EOF'
root:x:0:
app:x:1000:
nogroup:x:65534:
EOF
cat > "$R/etc/os-release" <<'EOF'
NAME="Layerscope Example Linux"
ID=layerscope-example
VERSION_ID=1.0
PRETTY_NAME="Layerscope Example Linux 1.0 (busybox)"
HOME_URL="https://github.com/layerscope/layerscope"
EOF
printf 'Welcome to the Layerscope example image (layer 0 wrote this file).\n' > "$R/etc/motd"
printf 'example\n' > "$R/etc/hostname"
cp /usr/share/doc/busybox-static/copyright "$R/usr/share/doc/busybox-static/copyright"
[ -f /usr/share/common-licenses/GPL-2 ] && cp /usr/share/common-licenses/GPL-2 "$R/usr/share/doc/busybox-static/GPL-2"
cat > "$R/usr/share/doc/example/README" <<'EOF'
Layerscope example image
========================

This directory holds generated text that exists only to have weight:
big.txt (512 KiB) is deleted again in layer 3, so the merged filesystem no
longer shows it, yet its bytes still ship inside layer 0. manual.txt stays.
EOF
python3 - "$R/usr/share/doc/example" <<'EOF'
import sys, os
d = sys.argv[1]
# big.txt: 8192 lines of exactly 64 bytes = 524288 bytes (512 KiB).
with open(os.path.join(d, 'big.txt'), 'w') as f:
    for i in range(8192):
        line = f'big.txt line {i + 1:05d}/8192: deleted in layer 3, still shipped.'
        f.write(line.ljust(63, '.') + '\n')
# manual.txt: 256 KiB of numbered sections that stay in the final image.
words = ('layer tar whiteout opaque digest manifest config history rootfs overlay '
         'copy-on-write diff_id blob gzip zstd symlink hardlink directory file mode').split()
with open(os.path.join(d, 'manual.txt'), 'w') as f:
    n, i = 0, 0
    while n < 262144:
        s = f'{i // 16 + 1}.{i % 16 + 1} ' + ' '.join(words[(i * 7 + k) % len(words)] for k in range(9)) + '.\n'
        s = s[:262144 - n]
        f.write(s); n += len(s); i += 1
EOF
find "$R" -exec touch -h -d "@$(t 0)" {} +
chown 1000:1000 "$R/home/app"
mktar "$W/layer0.tar" "$R" "$(t 0)" .
umoci raw add-layer --image "$IMG" --history.created "$(iso 0)" \
  --history.created_by 'ADD rootfs.tar / # base rootfs; bootfs (kernel) stays on the host' "$W/layer0.tar"

meta 1 'ENV PATH=/bin' --config.env PATH=/bin
meta 2 'LABEL org.opencontainers.image.title=layerscope-example org.opencontainers.image.licenses=GPL-2.0-only' \
  --config.label org.opencontainers.image.title=layerscope-example \
  --config.label org.opencontainers.image.licenses=GPL-2.0-only

# ---------------------------------------------------------------- layer 1: added app
A="$W/app"; mkdir -p "$A/config" "$A/static"
cat > "$A/server.sh" <<'EOF'
#!/bin/sh
# Serves /app/static on $PORT with busybox httpd; settings come from /app/config/*.conf.
set -eu
PORT=8080
for f in /app/config/*.conf; do . "$f"; done
echo "$GREETING"
exec busybox httpd -f -p "$PORT" -h /app/static
EOF
chmod 755 "$A/server.sh"
cat > "$A/config/default.conf" <<'EOF'
# default.conf, as written in layer 1
PORT=8080
GREETING="hello from layer 1"
EOF
cat > "$A/README.md" <<'EOF'
# Example app

A tiny static web server (`server.sh`, busybox httpd) used by Layerscope's
example image. Its config is rewritten in layer 2 and its whole config
directory is replaced in layer 4.
EOF
# A valid 64x64 RGB PNG (PNG spec: signature, IHDR, IDAT = zlib of filtered rows, IEND):
# three stacked bars, like image layers.
python3 - "$A/static/logo.png" <<'EOF'
import sys, zlib, struct
W = H = 64
bars = [(0x2b, 0x6c, 0xb0), (0x3f, 0x9e, 0x6e), (0xe0, 0x8e, 0x2b)]
rows = bytearray()
for y in range(H):
    rows.append(0)  # filter type 0 (None)
    for x in range(W):
        band = (y - 8) // 16
        inside = 0 <= band < 3 and 8 + band * 4 <= x < 56 - band * 4 and (y - 8) % 16 < 13
        rows += bytes(bars[band]) if inside else b'\xff\xff\xff'
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, 8, 2, 0, 0, 0)) \
    + chunk(b'IDAT', zlib.compress(bytes(rows), 9)) + chunk(b'IEND', b'')
open(sys.argv[1], 'wb').write(png)
EOF
cat > "$A/static/index.html" <<'EOF'
<!doctype html><title>example</title><img src="logo.png" alt="three stacked layers"><p>Served from /app/static.</p>
EOF
unpack; begin 3
cp -a "$A" "$W/b/rootfs/app"
chown -R "$APP_UID:$APP_UID" "$W/b/rootfs/app"
touch "$W/b/rootfs"   # COPY creates /app in /, like the real thing
settle "$W/b/rootfs" 3
repack 3 'COPY --chown=1000:1000 app/ /app/ # buildkit'

meta 4 'WORKDIR /app' --config.workingdir /app

# ---------------------------------------------------------------- layer 2: overwritten files
run 5 'echo "Welcome to the Layerscope example image (rewritten in layer 2)." > /etc/motd && sed -i "s/layer 1/layer 2/g" /app/config/default.conf && echo LOG_LEVEL=info >> /app/config/default.conf'

# ---------------------------------------------------------------- layer 3: a deleted file
run 6 'rm /usr/share/doc/example/big.txt'

# ---------------------------------------------------------------- layer 4: a replaced directory
# The step really runs in the image, but umoci repack records `rm -rf dir &&
# mkdir dir` as one `.wh.<name>` per old child, never as an opaque whiteout.
# So the layer tar is written by hand from the step's result, the way
# overlayfs-based builders (BuildKit, Docker) write it: the directory, its
# `.wh..wh..opq` marker (OCI image-spec layer.md, "Opaque Whiteout": hide every
# lower child of this directory) and the new files.
CMD4='rm -rf /app/config && mkdir /app/config && printf "PORT=8080\nGREETING=\"hello from layer 4\"\n" > /app/config/app.conf && echo LOG_LEVEL=warn > /app/config/logging.conf && chown -R 1000:1000 /app/config'
unpack; begin 7
chroot "$W/b/rootfs" /bin/sh -c "$CMD4"
L="$W/layer4"; mkdir -p "$L/app"
cp -a "$W/b/rootfs/app/config" "$L/app/config"
: > "$L/app/config/.wh..wh..opq"; chmod 644 "$L/app/config/.wh..wh..opq"; chown 0:0 "$L/app/config/.wh..wh..opq"
mktar "$W/layer4.tar" "$L" "$(t 7)" app/config
umoci raw add-layer --image "$IMG" --history.created "$(iso 7)" --history.created_by "$(run_by "$CMD4")" "$W/layer4.tar"

meta 8 'EXPOSE 8080/tcp' --config.exposedports 8080/tcp
meta 9 'CMD ["/app/server.sh"]' --config.cmd /app/server.sh

umoci gc --layout "$W/oci"
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT.tmp"
skopeo copy -q "oci:$IMG" "docker-archive:$OUT.tmp:$TAG"
size=$(stat -c %s "$OUT.tmp")
[ "$size" -le "$MAX_BYTES" ] || { echo "make-example-image: $size bytes, over the $MAX_BYTES budget" >&2; exit 1; }
mv -f "$OUT.tmp" "$OUT"
ls -l "$OUT"
