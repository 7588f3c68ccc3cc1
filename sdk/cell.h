/*
 * cell.h - libcell, the only library a cell links.
 *
 * Names, paths under $CELL_HOME, errors, growable buffers, the frame
 * format, serving requests and calling other cells by name.
 *
 * Conventions: functions return 0 (or a non-negative count) on success and
 * a negative code on failure: -errno where an errno fits, or one of the
 * CELL_E* codes below. cell_strerror() names every code. The library never
 * prints and never exits.
 */
#ifndef CELL_H
#define CELL_H

#include <stddef.h>
#include <stdint.h>

#define CELL_VERSION "0.1.0"

/* Errors of our own, in a band below every errno value. */
enum cell_error {
	CELL_EPROTO = -1000,   /* malformed frame or message */
	CELL_ETOOBIG = -1001,  /* input over its size limit */
	CELL_ENAME = -1002,    /* invalid cell name */
	CELL_ENODNA = -1003,   /* no DNA stored for that name or hash */
	CELL_EREMOTE = -1004,  /* the peer answered with an ERROR frame */
	CELL_EJSON = -1005,    /* malformed or unexpected JSON */
	CELL_ECORRUPT = -1006, /* stored bytes do not match their hash */
	CELL_ESIG = -1007,     /* missing or invalid signature */
	CELL_ESTEM = -1008,    /* the stem could not be reached or started */
	CELL_EEOF = -1009,     /* connection closed between frames */
	CELL_EGIT = -1010,     /* libgit2 reported an error */
	CELL_EKEY = -1011,     /* malformed key */
	CELL_ECRYPTO = -1012,  /* the crypto library failed */
};

/* A static string naming err (negative errno or CELL_E*). */
const char *cell_strerror(int err);

/* Names: [a-z0-9][a-z0-9-]{0,62}. Returns 1 if valid, 0 if not. */
#define CELL_NAME_MAX 63
#define CELL_NAME_RULE "[a-z0-9][a-z0-9-]{0,62}"
int cell_name_valid(const char *name);

/*
 * Growable byte buffer with a mandatory maximum (like git's strbuf with
 * curl's toobig): data read from a socket or file never grows past max.
 * data is NULL until the first byte is added, then always NUL-terminated.
 */
struct cell_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};
#define CELL_BUF_INIT(maximum) { NULL, 0, 0, (maximum) }

void cell_buf_init(struct cell_buf *b, size_t max);
/* Frees the bytes; b is empty and reusable afterwards. */
void cell_buf_release(struct cell_buf *b);
/* Empties b, keeping its allocation. */
void cell_buf_reset(struct cell_buf *b);
/* Hands the bytes to the caller, who frees them; b is left empty. */
char *cell_buf_detach(struct cell_buf *b, size_t *len);
/* Makes room for extra more bytes. CELL_ETOOBIG past max, -ENOMEM. */
int cell_buf_grow(struct cell_buf *b, size_t extra);
/* Append. CELL_ETOOBIG past max, -ENOMEM. */
int cell_buf_add(struct cell_buf *b, const void *data, size_t len);
int cell_buf_addstr(struct cell_buf *b, const char *s);
int cell_buf_printf(struct cell_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The contents as a C string ("" when empty). */
const char *cell_buf_str(const struct cell_buf *b);

/*
 * $CELL_HOME: the directory holding a machine's cells state.
 */
#define CELL_PATH_MAX 4096
struct cell_home {
	char dir[CELL_PATH_MAX];
};

/*
 * Fills home from dir, or when dir is NULL from $CELL_HOME, else
 * $HOME/.cell. The path is made absolute. Does not create anything.
 * Returns 0, -ENAMETOOLONG, -ENOENT (no $HOME to default to).
 */
int cell_home_init(struct cell_home *home, const char *dir);
/* Creates the home directory (0700) if missing. Returns 0 or -errno. */
int cell_home_create(const struct cell_home *home);
/*
 * Formats a path under home into out: cell_home_path(h, p, sizeof p,
 * "run/%s.sock", name). Returns 0 or -ENAMETOOLONG (never truncates).
 */
int cell_home_path(const struct cell_home *home, char *out, size_t size,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Frames: u32 big-endian payload length, u8 type, then the payload.
 */
#define CELL_FRAME_HEADER 5
#define CELL_FRAME_MAX (64u << 20)
enum cell_frame_type {
	CELL_FRAME_DATA = 0,
	CELL_FRAME_ERROR = 1, /* payload: a UTF-8 message */
	CELL_FRAME_PING = 2,
};

/* Writes the 5-byte header for a frame of type and len payload bytes. */
void cell_frame_header(uint8_t out[CELL_FRAME_HEADER], uint8_t type,
		       uint32_t len);
/*
 * Decodes a header from the first len bytes of buf. Returns 0 when fewer
 * than CELL_FRAME_HEADER bytes are there, 1 with *type and *payload_len
 * set when a valid header is, CELL_ETOOBIG when the length exceeds max,
 * CELL_EPROTO for an unknown type.
 */
int cell_frame_parse(const void *buf, size_t len, size_t max, uint8_t *type,
		     size_t *payload_len);
/*
 * Blocking write of a whole frame, retrying on EINTR and short writes;
 * never raises SIGPIPE. Returns 0, CELL_ETOOBIG, or -errno.
 */
int cell_frame_write(int fd, uint8_t type, const void *payload, size_t len);
/*
 * Blocking read of one frame into payload (reset first; its max bounds
 * the length). Returns 0, CELL_EEOF when the peer closed before a header,
 * CELL_EPROTO for a truncated or malformed frame, CELL_ETOOBIG, -errno.
 */
int cell_frame_read(int fd, uint8_t *type, struct cell_buf *payload);

/*
 * Serving. A handler gets one request and appends its reply to reply.
 * Returning a negative code sends an ERROR frame instead: with reply's
 * contents as the message when it holds any, else cell_strerror(code).
 */
typedef int (*cell_handler)(void *ctx, const void *req, size_t len,
			    struct cell_buf *reply);

/*
 * Serves requests until SIGTERM or SIGINT, then drains in-flight requests
 * and returns 0. Takes the listening socket from LISTEN_FDS (fd 3) when the
 * stem started the cell; otherwise binds $CELL_HOME/run/NAME.sock itself.
 * Returns a negative code if it cannot start serving.
 */
int cell_serve(const char *name, cell_handler handler, void *ctx);

/* A connection to a cell. */
struct cell_conn;

/*
 * Connects to the cell name, asking the stem to germinate it (starting
 * the stem first if none runs) when it is not running. *out is owned by
 * the caller and freed with cell_close(). When why is not NULL it receives
 * the reason on failure: the stem's message ("no DNA for 'x'; run cell
 * build"), or what went wrong reaching or talking to the stem.
 * Returns 0, CELL_ENAME, CELL_ENODNA, CELL_ESTEM, CELL_EREMOTE, and when
 * the stem answers badly CELL_EPROTO, CELL_EEOF, CELL_ETOOBIG; -ENOMEM,
 * -errno.
 */
int cell_connect(const char *name, struct cell_conn **out,
		 struct cell_buf *why);
/*
 * Sends one request and waits for its reply, reset into reply first.
 * Returns 0; CELL_EREMOTE when the cell answered with an ERROR frame, its
 * message then in reply; CELL_EEOF, CELL_EPROTO, CELL_ETOOBIG, -errno.
 */
int cell_call(struct cell_conn *conn, const void *req, size_t len,
	      struct cell_buf *reply);
void cell_close(struct cell_conn *conn);

#endif
