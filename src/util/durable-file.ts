/**
 * Durable whole-file replacement: write a temp file, fsync it, rename it over the target, fsync the
 * folder. After a crash the file is either the old version or the new one, never a torn mix.
 *
 * The disk is the file-system port's (src/ports/file-system.ts); the real one by default.
 */
import { basename, dirname, join } from 'node:path';
import { nodeFileSystem } from './node-file-system.ts';

/**
 * What a durable replace needs of a file system. util may import nothing else of src/, so it names
 * these members itself; the port's FileSystem has them with these signatures (and so passes here).
 */
export interface DurableWriteFs {
  open(path: string, mode: 'write', perm?: number): { write(data: Uint8Array | string): void; sync(): void; close(): void };
  rename(from: string, to: string): void;
  syncDir(path: string): void;
}

export function writeFileDurable(path: string, data: string | Uint8Array, fs: DurableWriteFs = nodeFileSystem): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const h = fs.open(tmp, 'write', 0o600);
  try {
    h.write(data);
    h.sync();
  } finally {
    h.close();
  }
  fs.rename(tmp, path);
  fs.syncDir(dirname(path));
}
