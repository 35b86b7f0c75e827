/*
 * log.h - structured logging: one JSON object per line on stderr.
 *   {"ts":"2026-11-25T16:20:01.123+07:00","lvl":"info","msg":"listening","addr":"..."}
 * Thread-safe (each line is written with one write(2)). Never log citizens'
 * names, ID numbers or addresses.
 */
#ifndef MOTCUA_CORE_LOG_H
#define MOTCUA_CORE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Parses "debug|info|warn|error"; -1 when unknown. */
int log_level_parse(const char *s);
void log_set_level(enum log_level lvl);
int log_enabled(enum log_level lvl);

/*
 * Writes one line. `msg` is a short English event name; the varargs are
 * key/value pairs of C strings ending with NULL: log_kv(LOG_INFO, "listening",
 * "addr", "127.0.0.1:8080", NULL). Values are JSON-escaped.
 */
void log_kv(enum log_level lvl, const char *msg, ...) __attribute__((sentinel));

/* Writes a prebuilt JSON object body (without braces) after ts and lvl. */
void log_raw(enum log_level lvl, const char *json_members);

#endif
