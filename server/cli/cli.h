/*
 * cli.h - the `motcua ...` subcommands (server/main.c dispatches to them).
 * Each takes argv[0] = its own name, prints to stdout, messages to stderr in
 * Vietnamese and English, and returns the process exit status: 0 success, 1 failure
 * (e.g. an unreadable data file), 2 bad arguments.
 */
#ifndef MOTCUA_CLI_CLI_H
#define MOTCUA_CLI_CLI_H

/*
 * `motcua calendar <lunar|days|due|classify> ...` (server/cli/calendar.c):
 *   lunar YYYY-MM-DD        -> "2026-02-17 âm lịch 01/01/Bính Ngọ" (" (nhuận)" after a leap month)
 *   days YYYY               -> every weekday off and every worked Saturday of the year,
 *                              "YYYY-MM-DD<TAB>off|work<TAB>reason in Vietnamese"
 * Options for all: the announced schedule is by default the one built into the binary
 * (sql/calendar_vn.tsv, the server's too); --data FILE (that format) replaces it;
 * --rules-only uses none (the bare rules and proposals); --no-makeup-saturdays.
 */
int cli_calendar(int argc, char **argv);

struct wcal;

/*
 * Builds the working calendar of years first..last for a subcommand: the rules, plus the
 * announced rows of data_path (NULL: the embedded sql/calendar_vn.tsv), or no rows at all
 * when rules_only, with the make-up Saturday policy given.
 * NULL after printing a bilingual message on stderr (unreadable or malformed file).
 * Free with wcal_free().
 */
struct wcal *cli_calendar_load(const char *data_path, int rules_only, int first_year,
                               int last_year, int count_makeup_saturdays);

/* `motcua calendar due ...` and `motcua calendar classify ...` (server/cli/calendar_due.c,
   deadlines engineer); argv[0] is "due" / "classify". */
int cli_calendar_due(int argc, char **argv);
int cli_calendar_classify(int argc, char **argv);

/*
 * `motcua calendar import FILE [--dry-run] [--override] [--format tsv|json] [--year YYYY]
 * [--json]` (server/cli/calendar_import.c): a year's announcement checked, diffed and, without
 * --dry-run, applied to the database of DATABASE_URL in one transaction (issue 15 part 2).
 * argv[0] is "import". Exit 0 done, 1 refused or failed (nothing written), 2 bad arguments.
 */
int cli_calendar_import(int argc, char **argv);

/*
 * `motcua account <add|api-key|disable|list> ...` (server/cli/account.c, security engineer):
 * accounts and integration API keys over DATABASE_URL; an API key is printed once, alone on
 * its line. argv[0] is "account".
 */
int cli_account(int argc, char **argv);

/* `motcua migrate [--check]` (server/db/migrate.c, next to the migrations it runs): uses
   DATABASE_URL; prints what it applied; exit status. */
int cli_migrate(int argc, char **argv);

/* `motcua routes` (server/cli/routes.c): "METHOD PATTERN roles|public", one line a route. */
int cli_routes(void);

#endif
