/* Command-line helpers shared by the subcommands of the `omnipower` tool. */
#ifndef OMNIPOWER_TOOLS_CLI_H
#define OMNIPOWER_TOOLS_CLI_H

#define CLI_PROG       "omnipower"
#define CLI_EXIT_USAGE 2

/**
 * @brief Print "omnipower: [CMD: ]message" and "Try 'omnipower [CMD ]--help' ..." on stderr.
 * @param cmd  The subcommand ("read"), or NULL for the tool itself.
 * @return CLI_EXIT_USAGE.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* OMNIPOWER_TOOLS_CLI_H */
