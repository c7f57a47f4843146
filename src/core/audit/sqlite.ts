/**
 * SQLite for rpm's rpmdb.sqlite, through sql.js (SQLite compiled to
 * WebAssembly, MIT): the same build runs in a worker and in Node, and it is
 * loaded only when an image has an rpm database (the module and its ~690 KB of
 * WebAssembly are fetched then, not with the page).
 *
 * Where the .wasm file is differs by host: Node's build of sql.js finds it beside
 * itself; in the page the worker passes the URL the bundler gave the asset.
 */
import type { OpenSqlite } from './rpm';

interface SqlJsDatabase {
  exec(sql: string): { columns: string[]; values: unknown[][] }[];
  close(): void;
}
interface SqlJsStatic {
  Database: new (data?: Uint8Array) => SqlJsDatabase;
}
type InitSqlJs = (config?: { locateFile?: (file: string) => string }) => Promise<SqlJsStatic>;

export function sqlJsOpener(wasmUrl?: string): OpenSqlite {
  let sql: Promise<SqlJsStatic> | null = null;
  return async (bytes) => {
    sql ??= import('sql.js').then((m) => {
      const init = ((m as { default?: InitSqlJs }).default ?? (m as unknown as InitSqlJs)) as InitSqlJs;
      return init(wasmUrl ? { locateFile: () => wasmUrl } : undefined);
    });
    const SQL = await sql;
    const db = new SQL.Database(bytes);
    return {
      rows: (q) => db.exec(q)[0]?.values ?? [],
      close: () => db.close(),
    };
  };
}
