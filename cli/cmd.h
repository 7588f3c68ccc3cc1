/*
 * cmd.h - every `cell` subcommand.
 *
 * Adding a command:
 *   1. cli/cmd/NAME.c exporting only `int cmd_NAME(int argc, char **argv)`,
 *      with a `static const char usage[]` parsed by parse_options();
 *   2. its line in the table in cli/main.c and its declaration here;
 *   3. man/cell-NAME.1, whose SYNOPSIS matches the usage string
 *      (test/bats/t0010-help.bats checks);
 *   4. test/bats/tNNNN-NAME*.bats.
 * A command returns an exit status (0, 1, or 2 for usage); it may die().
 * argv[0] is the command's own name.
 */
#ifndef CELL_CMD_H
#define CELL_CMD_H

#include "cell.h"

int cmd_mitosis(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_dna(int argc, char **argv);
int cmd_stem(int argc, char **argv);
int cmd_germinate(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_stop(int argc, char **argv);

/*
 * Fills home from $CELL_HOME (or ~/.cell), dying with a clear message
 * when it cannot. Shared by every command that touches the home.
 */
void cli_home(struct cell_home *home);
/*
 * Dies with the name rule unless name is a valid cell name: the one
 * message for a bad NAME argument, checked before it touches a path.
 */
void cli_need_name(const char *name);

#endif
