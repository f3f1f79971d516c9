#define _GNU_SOURCE
#include "protocol.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exec.h"
#include "exit.h"
#include "frames.h"
#include "proc.h"
#include "reap.h"
#include "shim.h"

struct client *clients;

void client_finish(struct client *c)
{
	c->st = CL_CLOSING;
	c->proc = NULL;
	if (!client_wants_out(c))
		c->dead = 1;
}

void send_exit_frame(struct client *c, int status)
{
	char code[16];
	int n = snprintf(code, sizeof(code), "%d", exit_code_of(status));

	client_send_frame(c, STREAM_EXIT, code, (size_t)n);
	client_finish(c);
}

void reply(struct client *c, const char *fmt, ...)
{
	char buf[1200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	client_send(c, buf, (size_t)n);
}

static void handle_request(struct client *c, char *line)
{
	if (!strcmp(line, "WAIT")) {
		if (init_done) {
			client_send(c, exit_json, exit_json_len);
			client_finish(c);
		} else {
			c->st = CL_WAIT;
		}
	} else if (!strcmp(line, "ATTACH")) {
		reply(c, "OK\n");
		if (init_done || !init_proc) {
			send_exit_frame(c, init_proc ? init_proc->status : 0);
		} else {
			c->st = CL_STREAM;
			c->proc = init_proc;
		}
	} else if (!strncmp(line, "EXEC ", 5)) {
		char *path = line + 5, *sp = strrchr(path, ' ');

		if (!sp || (strcmp(sp, " 0") && strcmp(sp, " 1")) || path[0] != '/') {
			reply(c, "ERROR usage: EXEC <absolute path to process.json> <0|1>\n");
			client_finish(c);
			return;
		}
		*sp = 0;
		if (init_done || (init_proc && init_proc->exited)) {
			reply(c, "ERROR container has exited\n");
			client_finish(c);
			return;
		}
		exec_start(c, path, sp[1] == '1');
	} else if (!strncmp(line, "SIGNAL ", 7)) {
		char *end;
		long sig = strtol(line + 7, &end, 10);

		if (end == line + 7 || *end || sig < 1 || sig >= NSIG)
			reply(c, "ERROR usage: SIGNAL <signal number 1..%d>\n", NSIG - 1);
		/* Until it is reaped the init's pid cannot be reused, so this signals the container's init and
		   nothing else, without the runtime process a `runtime kill` costs. */
		else if (!init_proc || init_proc->exited)
			reply(c, "ERROR container has exited\n");
		else if (kill(init_proc->pid, (int)sig) < 0)
			reply(c, "ERROR kill %d: %s\n", init_proc->pid, strerror(errno));
		else
			reply(c, "OK\n");
		client_finish(c);
	} else if (!strcmp(line, "REOPEN")) {
		if (crilog_reopen(&g_crilog) < 0)
			reply(c, "ERROR reopen %s: %s\n", g_opts.log_path, strerror(errno));
		else
			reply(c, "OK\n");
		client_finish(c);
	} else {
		reply(c, "ERROR unknown request\n");
		client_finish(c);
	}
}

void client_frames(struct client *c)
{
	size_t off = 0;

	while (c->st == CL_STREAM && !c->dead && c->in_len - off >= FRAME_HDR) {
		int stream;
		uint32_t len;

		if (frame_parse_header(c->in + off, &stream, &len) < 0 || len > FRAME_MAX_PAYLOAD) {
			c->dead = 1;
			break;
		}
		if (c->in_len - off < FRAME_HDR + len)
			break;
		if (stream == STREAM_STDIN) {
			if (proc_stdin(c->proc, c->in + off + FRAME_HDR, len) < 0)
				break;
		} else if (stream == STREAM_RESIZE) {
			proc_resize(c->proc, c->in + off + FRAME_HDR, len);
		}
		off += FRAME_HDR + len;
	}
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

void client_input(struct client *c)
{
	size_t want = c->st == CL_REQUEST ? CLIENT_REQ_MAX : FRAME_HDR + FRAME_MAX_PAYLOAD;
	ssize_t n;

	if (c->in_cap < want) {
		/* Grow in steps so an attacher sending small frames keeps a small buffer. */
		size_t cap = c->in_cap ? c->in_cap * 2 : 512;
		uint8_t *nb;

		if (cap > want)
			cap = want;
		if (c->in_len == c->in_cap) {
			nb = realloc(c->in, cap);
			if (!nb) {
				c->dead = 1;
				return;
			}
			c->in = nb;
			c->in_cap = cap;
		}
	}
	if (c->in_len == c->in_cap) {
		if (c->st == CL_REQUEST)
			c->dead = 1; /* request line too long */
		return;
	}
	do
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		c->dead = 1;
		return;
	}
	if (c->st == CL_WAIT || c->st == CL_CLOSING) {
		c->in_len = 0; /* nothing more is expected from these */
		return;
	}
	c->in_len += (size_t)n;
	if (c->st == CL_REQUEST) {
		uint8_t *nl = memchr(c->in, '\n', c->in_len);
		size_t ll;

		if (!nl)
			return;
		*nl = 0;
		ll = (size_t)(nl - c->in);
		if (ll > 0 && c->in[ll - 1] == '\r')
			c->in[ll - 1] = 0;
		handle_request(c, (char *)c->in);
		ll += 1;
		memmove(c->in, c->in + ll, c->in_len - ll);
		c->in_len -= ll;
	}
	client_frames(c);
}

static void client_gone(struct client *c)
{
	exec_forget_client(c);
	/* An exec's connection is its only client. */
	if (c->proc && c->proc != init_proc)
		proc_kill_exec(c->proc);
}

void accept_clients(int listen_fd)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct client *c;

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		c = client_new(fd);
		if (!c) {
			close(fd);
			return;
		}
		c->next = clients;
		clients = c;
	}
}

int clients_drop_dead(void)
{
	int pending_out = 0;

	for (struct client **cp = &clients; *cp;) {
		struct client *c = *cp;

		if (c->dead) {
			client_gone(c);
			*cp = c->next;
			client_free(c);
		} else {
			if (client_wants_out(c) || c->st == CL_REQUEST)
				pending_out = 1;
			cp = &c->next;
		}
	}
	return pending_out;
}

void clients_free_all(void)
{
	for (struct client *c = clients, *next; c; c = next) {
		next = c->next;
		client_free(c);
	}
	clients = NULL;
}
