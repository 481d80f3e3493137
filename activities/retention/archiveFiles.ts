// Archive files on disk: one gzip-compressed JSON Lines file per organization, table and UTC day, beside the day's
// manifest, under the archive directory (RETENTION_ARCHIVE_DIR):
//
//   <dir>/<organizationId>/<YYYY-MM-DD>/manifest.json
//   <dir>/<organizationId>/<YYYY-MM-DD>/<Table>.jsonl.gz
//
// A file is never changed in place: a new version is written beside it as <file>.next, read back and checked (line
// count and SHA-256 of the compressed bytes), and only then renamed over the old one (activities/retention/
// archiveIndex.ts records it first). The manifest lists each file's table, line count, size and checksum; it is
// rewritten (write, fsync, rename) whenever a file of its day changes, and is what the restore command reads.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

export const MANIFEST_FORMAT = 'marketplace-billing-archive/1';

/** RETENTION_ARCHIVE_DIR's default, relative to the working directory. */
export const DEFAULT_ARCHIVE_DIR = '.data/archive';

export interface FileDigest {
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ManifestFile extends FileDigest {
  table: string;
  /** Relative to the manifest's directory. */
  file: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  organizationId: string;
  day: string;
  /** In restore order (parents before the rows that reference them). */
  files: ManifestFile[];
}

/** An archive file that is not what the index or manifest says it is: nothing is deleted or restored from it. */
export class ArchiveIntegrityError extends Error {
  readonly code = 'ARCHIVE_INTEGRITY';
}

export const dayString = (day: Date) => day.toISOString().slice(0, 10);
export const relativeDayDir = (organizationId: string, day: Date) => path.join(organizationId, dayString(day));
export const relativeArchiveFile = (organizationId: string, table: string, day: Date) =>
  path.join(relativeDayDir(organizationId, day), `${table}.jsonl.gz`);
export const nextVersionPath = (file: string) => `${file}.next`;

/** Writes `lines` (one JSON document each, no newline inside) gzip-compressed to `file`, durably. */
export async function writeLines(file: string, lines: AsyncIterable<string>): Promise<FileDigest> {
  await mkdir(path.dirname(file), { recursive: true });
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  async function* terminated() {
    for await (const line of lines) {
      rows += 1;
      yield Buffer.from(`${line}\n`);
    }
  }
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(Readable.from(terminated()), createGzip(), hashing, createWriteStream(file));
  await fsyncPath(file);
  return { rows, bytes, sha256: hash.digest('hex') };
}

/** The lines of an archive file, in order. */
export async function* readLines(file: string): AsyncIterable<string> {
  const lines = createInterface({
    input: createReadStream(file).pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) if (line !== '') yield line;
}

/** Reads the file back: its checksum, size and line count. */
export async function digestFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  const input = createReadStream(file);
  input.on('data', (chunk) => hash.update(chunk as Buffer));
  let rows = 0;
  for await (const line of createInterface({
    input: input.pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (line !== '') rows += 1;
  }
  return { rows, bytes: (await stat(file)).size, sha256: hash.digest('hex') };
}

/** Throws ArchiveIntegrityError unless the file reads back exactly as `expected`. */
export async function verifyFile(file: string, expected: FileDigest): Promise<void> {
  let actual: FileDigest;
  try {
    actual = await digestFile(file);
  } catch (err) {
    throw new ArchiveIntegrityError(`${file}: unreadable (${(err as Error).message})`);
  }
  if (actual.sha256 !== expected.sha256 || actual.rows !== expected.rows || actual.bytes !== expected.bytes) {
    throw new ArchiveIntegrityError(
      `${file}: ${actual.rows} lines, ${actual.bytes} bytes, sha256 ${actual.sha256}; expected ${expected.rows} ` +
        `lines, ${expected.bytes} bytes, sha256 ${expected.sha256}`,
    );
  }
}

/** Replaces `target` with `source` atomically and durably (the rename, then the directory). */
export async function moveIntoPlace(source: string, target: string): Promise<void> {
  await rename(source, target);
  await fsyncPath(path.dirname(target));
}

export async function writeManifest(file: string, manifest: Manifest): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const next = nextVersionPath(file);
  const handle = await open(next, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await moveIntoPlace(next, file);
}

export async function readManifest(file: string): Promise<Manifest> {
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  if (manifest.format !== MANIFEST_FORMAT) throw new ArchiveIntegrityError(`${file}: not an archive manifest`);
  return manifest;
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
