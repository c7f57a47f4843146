/**
 * The part of the audit that touches a layer's bytes: read its candidate files
 * in one forward pass (read.ts) and turn each into package records, file lists
 * and secret findings. Runs where the bytes are: a worker of the pool in the
 * page, the command line's own thread in Node. Only the results (small) travel.
 *
 * Bad input is reported, never fatal: a database that cannot be parsed is a
 * warning naming it (and its layer) while the others are still read; a file
 * that cannot be read is "not scanned", never clean; a read error mid-layer
 * marks the rest of the layer's candidates not scanned.
 */
import { cancelled, describeError, isCancelled } from '../errors';
import type { Compression } from '../types';
import { parseApkInstalled } from './apk';
import { readBdbHashValues } from './bdb';
import { MAX_PACKAGE_DB_BYTES, MAX_SECRET_FILE_BYTES } from './candidates';
import { debKey, listOwner, parseDpkgList, parseDpkgStatus } from './dpkg';
import { goDataSegment, goRecords, parseGoBuildInfo } from './gobuild';
import { parseNpmPackage } from './npm';
import { parseInstalledFiles, parsePythonMetadata, parseRecord } from './python';
import { forwardReader } from './read';
import { parseRpmHeader, readRpmSqlite, type OpenSqlite } from './rpm';
import { scanText } from './secrets/scan';
import { decodeText, dirOf, looksBinary } from './text';
import { PACKAGE_ROLES, Role, type Candidate, type LayerAuditResult, type PackageRecord } from './types';

export interface AuditLayerOptions {
  signal?: AbortSignal;
  /** The host's gzip decoder (codecs.ts). */
  gunzip?: () => ReadableWritablePair<Uint8Array, Uint8Array>;
  /** Opens rpmdb.sqlite; without it such databases are reported as not read. */
  openSqlite?: OpenSqlite;
  onProgress?(done: number, total: number): void;
}

const rooted = (p: string) => `/${p}`;
/**
 * How every warning of this file names its file and layer: one spelling, so that
 * auditResultForLayer can move a result to another layer holding the same bytes.
 */
const inLayer = (path: string, layer: number) => `${path} in layer ${layer}`;

/**
 * The result of auditing the same stored bytes (the same LayerIndex) at layer
 * `to` instead of `r.layer`: the findings are the same, only the layer they are
 * reported at differs (issue 9 point 6: an archive listing one blob 1,000 times was
 * read and examined 1,000 times by the audit). Package records, file lists and
 * secrets are shared with `r`, not copied (nothing downstream mutates them). The
 * files were read once, for `r`: the copy reads none.
 *
 * Each warning message here names its file and layer once, through inLayer(), and
 * starts with the path or a fixed phrase without '/', so the first occurrence of
 * inLayer(path, from) is the one written here, even when the path itself contains
 * such text.
 */
export function auditResultForLayer(r: LayerAuditResult, to: number): LayerAuditResult {
  if (r.layer === to) return r;
  const from = r.layer;
  return {
    ...r,
    layer: to,
    notScanned: r.notScanned.map((n) => ({ ...n, layer: to })),
    warnings: r.warnings.map((w) =>
      w.layer === from && w.path !== undefined ? { ...w, layer: to, message: w.message.replace(inLayer(w.path, from), inLayer(w.path, to)) } : w,
    ),
    filesRead: 0,
    bytesRead: 0,
  };
}

export async function auditLayerContents(
  blob: Blob,
  compression: Compression,
  layer: number,
  candidates: Candidate[],
  opts: AuditLayerOptions = {},
): Promise<LayerAuditResult> {
  const res: LayerAuditResult = { layer, packages: [], fileLists: [], secrets: [], notScanned: [], warnings: [], filesRead: 0, bytesRead: 0 };
  const list = [...candidates].sort((a, b) => a.dataOffset - b.dataOffset);
  const reader = forwardReader(blob, compression, { signal: opts.signal, gunzip: opts.gunzip });
  let broken: string | null = null;
  try {
    for (let k = 0; k < list.length; k++) {
      const c = list[k]!;
      opts.onProgress?.(k, list.length);
      if (broken) {
        res.notScanned.push({ path: rooted(c.path), layer, reason: broken });
        continue;
      }
      const dbRoles = c.roles & PACKAGE_ROLES;
      if (dbRoles && c.size > MAX_PACKAGE_DB_BYTES) {
        res.notScanned.push({ path: rooted(c.path), layer, reason: `larger than ${MAX_PACKAGE_DB_BYTES / 1024 / 1024} MB` });
        res.warnings.push({
          code: 'PACKAGE_DB_TOO_LARGE',
          layer,
          path: rooted(c.path),
          message: `${inLayer(rooted(c.path), layer)} is ${c.size} bytes: not read`,
        });
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = await reader.read(c.dataOffset, c.dataOffset + c.readBytes);
      } catch (e) {
        if (opts.signal?.aborted || isCancelled(e)) throw cancelled();
        broken = `the layer could not be read here: ${describeError(e)}`;
        res.notScanned.push({ path: rooted(c.path), layer, reason: broken });
        continue;
      }
      if (bytes.length < c.readBytes) {
        broken = 'the layer ends before this file’s data';
        res.notScanned.push({ path: rooted(c.path), layer, reason: broken });
        continue;
      }
      res.filesRead++;
      res.bytesRead += bytes.length;
      try {
        await examine(c, bytes, layer, res, opts, reader);
      } catch (e) {
        if (opts.signal?.aborted || isCancelled(e)) throw cancelled();
        res.notScanned.push({ path: rooted(c.path), layer, reason: describeError(e) });
        res.warnings.push({
          code: 'AUDIT_FILE_FAILED',
          layer,
          path: rooted(c.path),
          message: `${inLayer(rooted(c.path), layer)} could not be examined: ${describeError(e)}`,
        });
      }
    }
    opts.onProgress?.(list.length, list.length);
  } finally {
    reader.close();
  }
  return res;
}

function corrupt(res: LayerAuditResult, layer: number, path: string, what: string, problem: string, kept: number) {
  res.warnings.push({
    code: 'PACKAGE_DB_CORRUPT',
    layer,
    path: rooted(path),
    message: `${what} ${inLayer(rooted(path), layer)} is damaged (${problem}); ${kept} package${kept === 1 ? '' : 's'} before the damage were read`,
  });
}

async function examine(
  c: Candidate,
  bytes: Uint8Array,
  layer: number,
  res: LayerAuditResult,
  opts: AuditLayerOptions,
  reader: ReturnType<typeof forwardReader>,
): Promise<void> {
  const src = rooted(c.path);
  const addRecords = (records: PackageRecord[]) => res.packages.push({ entry: c.entry, path: src, records });
  if (c.roles & (Role.DpkgStatus | Role.DpkgStatusD)) {
    const r = parseDpkgStatus(decodeText(bytes), src, { distroless: (c.roles & Role.DpkgStatusD) !== 0 });
    if (r.problem) corrupt(res, layer, c.path, 'the dpkg database', r.problem, r.records.length);
    addRecords(r.records);
  }
  if (c.roles & Role.DpkgList) {
    const { name, arch } = listOwner(c.path.slice(c.path.lastIndexOf('/') + 1));
    res.fileLists.push({ entry: c.entry, path: src, owner: debKey(name, arch), files: parseDpkgList(decodeText(bytes)) });
  }
  if (c.roles & Role.ApkInstalled) {
    const r = parseApkInstalled(decodeText(bytes), src);
    if (r.problem) corrupt(res, layer, c.path, 'the apk database', r.problem, r.records.length);
    addRecords(r.records);
  }
  if (c.roles & (Role.RpmSqlite | Role.RpmBdb)) {
    let blobs: Uint8Array[] = [];
    let problem: string | null = null;
    try {
      if (c.roles & Role.RpmSqlite) {
        if (!opts.openSqlite) throw new Error('SQLite is not available here');
        blobs = await readRpmSqlite(bytes, opts.openSqlite);
      } else {
        const v = readBdbHashValues(bytes);
        blobs = v.values;
        problem = v.problems[0] ?? null;
      }
    } catch (e) {
      problem = (e as Error).message;
    }
    const records: PackageRecord[] = [];
    for (const b of blobs) {
      const r = parseRpmHeader(b, src);
      if (typeof r === 'string') problem ??= r;
      else records.push(r);
    }
    if (problem) corrupt(res, layer, c.path, 'the rpm database', problem, records.length);
    addRecords(records);
  }
  if (c.roles & Role.RpmNdb) {
    res.warnings.push({
      code: 'PACKAGE_DB_NOT_READ',
      layer,
      path: src,
      message: `${inLayer(src, layer)} is rpm's "ndb" database (SUSE), which layerscope does not read: its packages are not listed`,
    });
    res.notScanned.push({ path: src, layer, reason: 'rpm ndb database format is not supported' });
  }
  if (c.roles & Role.PythonMetadata) {
    const r = parsePythonMetadata(decodeText(bytes), src);
    if (typeof r === 'string') res.warnings.push({ code: 'PACKAGE_METADATA_BAD', layer, path: src, message: `${inLayer(src, layer)}: ${r}` });
    else addRecords([r]);
  }
  if (c.roles & Role.PythonRecord) {
    const r = parseRecord(decodeText(bytes), src);
    res.fileLists.push({ entry: c.entry, path: src, owner: `dir:${dirOf(src)}`, files: r.files, size: r.size });
  }
  if (c.roles & Role.PythonInstalledFiles) {
    res.fileLists.push({ entry: c.entry, path: src, owner: `dir:${dirOf(src)}`, files: parseInstalledFiles(decodeText(bytes), src) });
  }
  if (c.roles & Role.NpmPackage) {
    const r = parseNpmPackage(decodeText(bytes), src);
    // A package.json that is not JSON is someone's fixture or template, not an install: no warning.
    if (typeof r !== 'string') addRecords([r]);
  }
  if (c.roles & Role.GoBinary) {
    const seg = goDataSegment(bytes);
    if (seg && seg.offset >= bytes.length && seg.offset + seg.size <= c.size) {
      const data = await reader.read(c.dataOffset + seg.offset, c.dataOffset + seg.offset + seg.size);
      res.bytesRead += data.length;
      const info = parseGoBuildInfo(data);
      if (typeof info === 'string')
        res.warnings.push({ code: 'GO_BUILDINFO_NOT_READ', layer, path: src, message: `${inLayer(src, layer)} is a Go binary: ${info}` });
      else addRecords(goRecords(info, src));
    }
  }
  if (c.roles & Role.Secret) {
    if (c.size > MAX_SECRET_FILE_BYTES) {
      if (c.strong) res.notScanned.push({ path: src, layer, reason: `larger than ${MAX_SECRET_FILE_BYTES / 1024 / 1024} MB` });
    } else if (looksBinary(bytes)) {
      if (c.strong) res.notScanned.push({ path: src, layer, reason: 'binary content (the rules read text)' });
    } else {
      const found = await scanText(src, decodeText(bytes));
      if (found.length) res.secrets.push({ entry: c.entry, path: src, findings: found });
    }
  }
}
