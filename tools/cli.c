/* Command-line helpers shared by the subcommands of the `omnipower` tool. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (cmd != NULL) {
        (void)fprintf(stderr, CLI_PROG ": %s: ", cmd);
    } else {
        (void)fprintf(stderr, CLI_PROG ": ");
    }
    (void)vfprintf(stderr, fmt, ap);
    if (cmd != NULL) {
        (void)fprintf(stderr, "\nTry '" CLI_PROG " %s --help' for more information.\n", cmd);
    } else {
        (void)fprintf(stderr, "\nTry '" CLI_PROG " --help' for more information.\n");
    }
    va_end(ap);
    return CLI_EXIT_USAGE;
}
