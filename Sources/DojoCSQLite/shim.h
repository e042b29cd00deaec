#include <sqlite3.h>
#include <stddef.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import: tell SQLite to copy bound bytes.
static inline int dojo_sqlite3_bind_text_copy(sqlite3_stmt *stmt, int index, const char *text, int length) {
  return sqlite3_bind_text(stmt, index, text, length, SQLITE_TRANSIENT);
}
static inline int dojo_sqlite3_bind_blob_copy(sqlite3_stmt *stmt, int index, const void *data, int length) {
  return sqlite3_bind_blob(stmt, index, data, length, SQLITE_TRANSIENT);
}
