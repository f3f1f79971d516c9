#define _GNU_SOURCE
#include "ctrl_sock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "frames.h"
#include "log.h"
#include "util.h"

int ctrl_listen(const char *path)
{
	struct sockaddr_un addr;
	mode_t old;
	int fd;

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* umask rather than chmod after bind: no window in which the socket is open to others. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 64) < 0) {
		int saved = errno;

		umask(old);
		close(fd);
		errno = saved;
		return -1;
	}
	umask(old);
	return fd;
}

struct client *client_new(int fd)
{
	struct client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->st = CL_REQUEST;
	return c;
}

void client_free(struct client *c)
{
	if (c->fd >= 0) {
		char junk[4096];

		/* Unread input would turn the close into a reset, which can hide the last frames from the peer. */
		for (int i = 0; i < 16 && recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++) {
		}
		close(c->fd);
	}
	free(c->in);
	free(c->out);
	free(c);
}

int client_wants_out(const struct client *c)
{
	return c->out_len > c->out_off;
}

void client_flush(struct client *c)
{
	while (!c->dead && c->out_len > c->out_off) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = 1;
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len) {
		/* Freed once caught up: an idle attacher costs no buffer. */
		free(c->out);
		c->out = NULL;
		c->out_len = c->out_off = 0;
	}
}

static void queue(struct client *c, const uint8_t *data, size_t n)
{
	size_t pending = c->out_len - c->out_off;
	uint8_t *nb;

	if (pending + n > CLIENT_OUT_MAX) {
		log_warn("dropping a client that is %zu bytes behind", pending + n);
		c->dead = 1;
		return;
	}
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_len = pending;
		c->out_off = 0;
	}
	nb = realloc(c->out, c->out_len + n);
	if (!nb) {
		c->dead = 1;
		return;
	}
	c->out = nb;
	memcpy(c->out + c->out_len, data, n);
	c->out_len += n;
}

static void send_iov(struct client *c, struct iovec *iov, int cnt)
{
	size_t total = 0, sent = 0;
	ssize_t n = 0;

	if (c->dead)
		return;
	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	if (!client_wants_out(c)) {
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)cnt};

		do
			n = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				c->dead = 1;
				return;
			}
			n = 0;
		}
		sent = (size_t)n;
	}
	if (sent == total)
		return;
	for (int i = 0; i < cnt; i++) {
		if (sent >= iov[i].iov_len) {
			sent -= iov[i].iov_len;
			continue;
		}
		queue(c, (uint8_t *)iov[i].iov_base + sent, iov[i].iov_len - sent);
		sent = 0;
	}
}

void client_send(struct client *c, const void *data, size_t n)
{
	struct iovec iov = {.iov_base = (void *)data, .iov_len = n};

	send_iov(c, &iov, 1);
}

void client_send_frame(struct client *c, int stream, const void *data, size_t n)
{
	uint8_t h[FRAME_HDR];
	struct iovec iov[2];

	frame_header(h, stream, (uint32_t)n);
	iov[0].iov_base = h;
	iov[0].iov_len = FRAME_HDR;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = n;
	send_iov(c, iov, n ? 2 : 1);
}
