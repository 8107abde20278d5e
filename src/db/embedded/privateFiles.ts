import fs from 'node:fs';
import path from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * Creates `dir` readable by its owner only, and tightens an existing one (data directories of older versions
 * were created world-readable) together with the files directly in it.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  fs.chmodSync(dir, DIR_MODE);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) fs.chmodSync(path.join(dir, entry.name), FILE_MODE);
  }
}

/** Opens a file for writing with mode 0600, also when it already existed with a wider mode. */
export function openPrivate(file: string, flags: string): number {
  const fd = fs.openSync(file, flags, FILE_MODE);
  try {
    fs.fchmodSync(fd, FILE_MODE);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

/** Replaces `file` atomically (temp file, fsync, rename) with owner-only content. */
export function writePrivateFile(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openPrivate(tmp, 'w');
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
