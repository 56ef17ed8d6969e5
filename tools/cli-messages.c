/* cli-messages.c: one-line errors and deferred engine logs for the tools. */
#include "cli-messages.h"

#include <string.h>

static GPtrArray *kept_messages;
static gboolean log_verbose;

void
cli_print_error (const char *prog, const char *file, const char *message)
{
  GString *line = g_string_new (prog);
  char *p;

  g_string_append (line, ": ");
  if (file && !strstr (message, file))
    g_string_append_printf (line, "%s: ", file);
  g_string_append (line, message);
  /* The contract is one line, whatever the message holds. */
  for (p = line->str; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  g_printerr ("%s\n", line->str);
  g_string_free (line, TRUE);
}

static void
engine_log_handler (const char *domain, GLogLevelFlags level,
    const char *message, gpointer user_data)
{
  /* Programming errors are never hidden. */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
    g_log_default_handler (domain, level, message, user_data);
    return;
  }
  /* Info is the progress of long work (a label set of many prompts): it
   * is printed at once, so that a long run shows it is alive. */
  if (log_verbose || (level & G_LOG_LEVEL_INFO))
    g_printerr ("%s: %s\n", domain, message);
  else if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE))
    g_ptr_array_add (kept_messages, g_strdup_printf ("%s: %s", domain,
            message));
}

void
cli_log_begin (gboolean verbose)
{
  log_verbose = verbose;
  if (!kept_messages)
    kept_messages = g_ptr_array_new_with_free_func (g_free);
  g_log_set_handler ("clip", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL
      | G_LOG_FLAG_RECURSION, engine_log_handler, NULL);
}

void
cli_log_flush (void)
{
  guint i;

  if (!kept_messages)
    return;
  for (i = 0; i < kept_messages->len; i++)
    g_printerr ("%s\n", (const char *) g_ptr_array_index (kept_messages, i));
  g_ptr_array_unref (kept_messages);
  kept_messages = NULL;
}
