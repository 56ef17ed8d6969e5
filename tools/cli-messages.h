/* cli-messages.h: what the command-line tools print on stderr: one line
 * per error, and the engine's log messages held back until success so that
 * a failing run prints exactly one line. */
#ifndef CLIP_TOOLS_CLI_MESSAGES_H
#define CLIP_TOOLS_CLI_MESSAGES_H

#include <glib.h>

/* Prints "@prog: [@file: ]@message" as a single line on stderr (line
 * breaks in @message become spaces); @file (may be NULL) is added only when
 * @message does not already name it. */
void cli_print_error (const char *prog, const char *file, const char *message);

/* Routes the engine's log domain ("clip"): with @verbose everything is
 * printed at once; otherwise progress (info) is printed at once, warnings
 * and messages are kept for cli_log_flush() and debug output is dropped. */
void cli_log_begin (gboolean verbose);

/* Prints the kept messages (call on success only) and frees them. */
void cli_log_flush (void);

#endif
