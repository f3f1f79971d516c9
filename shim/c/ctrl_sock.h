#ifndef BERTH_CTRL_SOCK_H
#define BERTH_CTRL_SOCK_H
#include <stddef.h>
#include <stdint.h>

#define CLIENT_OUT_MAX (256 * 1024) /* a client further behind than this is dropped */
#define CLIENT_REQ_MAX 4096

enum client_state { CL_REQUEST, CL_WAIT, CL_EXEC_PENDING, CL_STREAM, CL_CLOSING };

struct proc;

struct client {
	int fd;
	enum client_state st;
	struct proc *proc;  /* the process this client streams, when CL_STREAM */
	uint8_t *in;        /* request line, then input frames */
	size_t in_len, in_cap;
	uint8_t *out;       /* pending output, allocated only while behind */
	size_t out_len, out_off;
	int dead;           /* to be freed by the loop */
	struct client *next;
};

/* Binds path (mode 0600) and listens; returns the socket or -1. */
int ctrl_listen(const char *path);
struct client *client_new(int fd);
void client_free(struct client *c);
/* Queues data; sends at once when nothing is pending. On overflow or error the client is marked dead. */
void client_send(struct client *c, const void *data, size_t n);
void client_send_frame(struct client *c, int stream, const void *data, size_t n);
/* Writes pending output (POLLOUT); marks dead on error. */
void client_flush(struct client *c);
int client_wants_out(const struct client *c);
#endif
