/*
 * home.c - what commands share before they touch the home: cli_home()
 * and cli_need_name(). Apart from main.c so that the unit tests, which
 * link every CLI object but main.c, can link the commands that use them.
 */
#include "cmd.h"
#include "usage.h"

void cli_home(struct cell_home *home)
{
	int err = cell_home_init(home, NULL);

	if (err)
		die("cannot locate CELL_HOME: %s", cell_strerror(err));
}

void cli_need_name(const char *name)
{
	if (!cell_name_valid(name))
		die("invalid cell name '%s' (must match %s)", name,
		    CELL_NAME_RULE);
}
