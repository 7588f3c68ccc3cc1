/* err.c - names for libcell's error codes. */
#include <string.h>

#include "cell.h"

const char *cell_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case CELL_EPROTO: return "protocol error";
	case CELL_ETOOBIG: return "message too large";
	case CELL_ENAME: return "invalid cell name (must match " CELL_NAME_RULE ")";
	case CELL_ENODNA: return "no DNA stored";
	case CELL_EREMOTE: return "peer reported an error";
	case CELL_EJSON: return "malformed JSON";
	case CELL_ECORRUPT: return "stored bytes do not match their hash";
	case CELL_ESIG: return "missing or invalid signature";
	case CELL_ESTEM: return "stem unavailable";
	case CELL_EEOF: return "connection closed";
	case CELL_EGIT: return "git error";
	case CELL_EKEY: return "malformed key";
	case CELL_ECRYPTO: return "crypto library failure";
	}
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "unknown error";
}
