// better-sqlite3 types its package entry only; its `lib/database.js` exports the same Database class.
declare module "better-sqlite3/lib/database.js" {
  import type BetterSqlite3 from "better-sqlite3";

  const Database: typeof BetterSqlite3;
  export default Database;
}
