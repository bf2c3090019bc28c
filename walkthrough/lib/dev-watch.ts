// Watches the handler's folder for `npm run dev`. An editor's save is a burst of events (write, rename,
// chmod, a backup file), so changes are collected until the folder has been quiet for a moment.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Editors' own files: swap and backup files, vim's write test (4913), hidden and lock files. */
const IGNORED = /(^|[/\\])[.#]|~$|\.sw[a-p]x?$|(^|[/\\])4913$/;

export interface FolderWatcher {
  close(): void;
}

export interface Change {
  /** Files named by the events, relative to the folder (sorted, once each). */
  files: string[];
  /** When the first event of the burst arrived (performance.now()): the save, as near as can be seen. */
  firstEventAt: number;
}

/**
 * Calls `onChange` once per burst of changes under `dir`, `quietMs` after the last event. Each folder is
 * watched on its own (one inotify watch per folder on Linux), not with `recursive: true`: Node 20's
 * recursive watcher on Linux watches files, and loses a file that an editor saves by writing a new
 * one and renaming it over the old (sed -i, vim, JetBrains' safe write): later saves went unseen. A
 * folder's watch sees every file in it, whatever its inode. Folders created later are watched too.
 */
export function watchFolder(dir: string, onChange: (change: Change) => void, quietMs = 50): FolderWatcher {
  let timer: NodeJS.Timeout | undefined;
  let firstEventAt = 0;
  const files = new Set<string>();
  const watchers = new Map<string, fs.FSWatcher>();
  const seen = (file: string) => {
    if (IGNORED.test(file)) return;
    if (files.size === 0 && !timer) firstEventAt = performance.now();
    files.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      // A temporary file already gone (sed -i's sedXXXXXX) is no news; a removed source file is.
      const named = [...files].filter((f) => path.extname(f) !== '' || fs.existsSync(path.join(dir, f)));
      const change = { files: named.sort(), firstEventAt };
      files.clear();
      onChange(change);
    }, quietMs);
  };
  const watch = (folder: string) => {
    if (watchers.has(folder)) return;
    let w: fs.FSWatcher;
    try {
      w = fs.watch(folder, (_event, name) => {
        if (!name) return;
        const full = path.join(folder, name.toString());
        seen(path.relative(dir, full));
        // A new folder (or one moved in): watch it and what is already in it.
        if (!IGNORED.test(name.toString()) && isFolder(full)) watchTree(full);
      });
    } catch {
      return; // gone already
    }
    // The folder was removed: its watch ends.
    w.on('error', () => {
      w.close();
      watchers.delete(folder);
    });
    watchers.set(folder, w);
  };
  const watchTree = (folder: string) => {
    watch(folder);
    for (const e of safeReaddir(folder))
      if (e.isDirectory() && !IGNORED.test(e.name)) watchTree(path.join(folder, e.name));
  };
  watchTree(dir);
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function safeReaddir(folder: string): fs.Dirent[] {
  try {
    return fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
}
