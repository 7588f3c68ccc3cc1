/*
 * control.h - the control protocol spoken on $CELL_HOME/stem.sock, and
 * libcell's internal client for it. Not part of the public cell.h.
 *
 * CELL_CONTROL_VERSION: bump on any change to the ops or fields below.
 *
 * Each request is one DATA frame holding a JSON object {"op": OP, ...};
 * the stem answers with one DATA frame {"ok": true, ...} or
 * {"ok": false, "error": "one-line message", "code": CODE}; CODE is one of
 * "nodna" (nothing built under that name), "name" (invalid name), "op"
 * (unknown op or malformed request), "failed" (the cell cannot start),
 * "denied" (a peer whose uid is not the stem's, i.e. a cell, asked for
 * an op other than germinate and version).
 * Unknown ops are refused.
 * Many requests may follow on one connection.
 *
 *   germinate {"name"}  -> {"pid": N, "socket": PATH, "started": BOOL}
 *       Binds run/NAME.sock (if not bound), starts the cell from its DNA
 *       (if not running), answers once the socket is bound and the cell
 *       has executed (an exec or sandbox failure is the error).
 *       No DNA: {"ok":false,"error":"no DNA for 'NAME'; run cell build"}.
 *   stop {"name"}       -> {} once the cell has exited (SIGTERM, then
 *                          SIGKILL after a grace period); socket and pid
 *                          file removed.
 *   ps {}               -> {"cells": [{"name","pid","state","restarts",
 *                          "since","hash","cause","sandbox","net",
 *                          "confinement","unconfined","uid","limits"}]}
 *                          since: unix seconds; limits: {"memory":
 *                          {"value","by"},"pids","cpu","nofile"}
 *   version {}          -> {"version": CELL_VERSION, "protocol": N}
 *
 * Starting a stem: the client holds flock(stem.start) while it checks
 * stem.sock, runs `cell-stem --daemon --ready-fd N` and reads one byte
 * from that pipe (written once stem.sock listens; EOF means it failed or
 * lost the stem.lock race). Serializing starters this way means no client
 * ever polls. The stem binary is $CELL_STEM, else `cell-stem` on PATH.
 */
#ifndef CELL_CONTROL_H
#define CELL_CONTROL_H

#include "cell.h"

#define CELL_CONTROL_VERSION 2

/*
 * Connects to the stem of home, starting one if none runs. Returns a
 * connected blocking fd (caller closes), CELL_ESTEM, or -errno.
 */
int stem_connect(const struct cell_home *home);

/*
 * One request/reply on fd: sends json, reads the reply into reply.
 * Returns 0 when the reply says "ok": true; CELL_EREMOTE when it says
 * false (reply then holds the reply JSON); CELL_EPROTO, CELL_EEOF, -errno.
 */
int stem_request(int fd, const char *json, struct cell_buf *reply);

/*
 * One op on fd: sends {"op": op, "name": name} ("name" left out when NULL)
 * and reads the reply into reply. When why is not NULL it is reset and,
 * on failure, receives a one-line message: the stem's own on a refusal
 * ("no DNA for 'x'; run cell build"), else "the stem answered badly: ..."
 * or "cannot talk to the stem: ...".
 * Returns 0 (reply holds the JSON answer); a refusal: CELL_ENODNA (code
 * "nodna") or CELL_EREMOTE; else CELL_EPROTO, CELL_EEOF, CELL_ETOOBIG,
 * -ENOMEM, -errno.
 */
int stem_op(int fd, const char *op, const char *name, struct cell_buf *reply,
	    struct cell_buf *why);

#endif
