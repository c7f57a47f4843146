// sql.js ships no types; the audit uses only initSqlJs -> Database(bytes).exec/close (sqlite.ts declares the shapes it relies on).
declare module 'sql.js' {
  const initSqlJs: unknown;
  export default initSqlJs;
}
