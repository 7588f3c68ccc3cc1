/*
 * home.c - cli_home(), apart from main.c so that the unit tests, which
 * link every CLI object but main.c, can link the commands that use it.
 */
#include "cmd.h"
#include "usage.h"

void cli_home(struct cell_home *home)
{
	int err = cell_home_init(home, NULL);

	if (err)
		die("cannot locate CELL_HOME: %s", cell_strerror(err));
}
