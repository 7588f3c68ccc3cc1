/* name.c - the one rule for cell names, checked before a name touches a path. */
#include "cell.h"

static int lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int cell_name_valid(const char *name)
{
	size_t i;

	if (!name || !lower_alnum(name[0]))
		return 0;
	for (i = 1; name[i]; i++) {
		if (i >= CELL_NAME_MAX)
			return 0;
		if (!lower_alnum(name[i]) && name[i] != '-')
			return 0;
	}
	return 1;
}
