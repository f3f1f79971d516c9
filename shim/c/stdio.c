#define _GNU_SOURCE
#include "stdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

static void init(struct proc_stdio *s)
{
	s->in_w = s->out_r = s->err_r = -1;
	s->rt_in = s->rt_out = s->rt_err = -1;
	s->console_listen = s->err_capture = -1;
	s->console_path[0] = 0;
}

int stdio_pipes(struct proc_stdio *s, int with_stdin)
{
	int p[2];

	init(s);
	if (with_stdin) {
		if (pipe2(p, O_CLOEXEC) < 0)
			goto fail;
		s->rt_in = p[0];
		s->in_w = p[1];
		set_nonblock(s->in_w);
	} else {
		s->rt_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (s->rt_in < 0)
			goto fail;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		goto fail;
	s->out_r = p[0];
	s->rt_out = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		goto fail;
	s->err_r = p[0];
	s->rt_err = p[1];
	set_nonblock(s->out_r);
	set_nonblock(s->err_r);
	s->err_capture = s->err_r;
	return 0;
fail:
	stdio_close_all(s);
	return -1;
}

int stdio_console(struct proc_stdio *s, const char *path)
{
	struct sockaddr_un addr;
	int p[2];

	init(s);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, path);
	snprintf(s->console_path, sizeof(s->console_path), "%s", path);
	unlink(path);
	s->console_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->console_listen < 0 || bind(s->console_listen, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(s->console_listen, 1) < 0)
		goto fail;
	set_nonblock(s->console_listen);
	s->rt_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	s->rt_out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (s->rt_in < 0 || s->rt_out < 0 || pipe2(p, O_CLOEXEC) < 0)
		goto fail;
	s->err_capture = p[0];
	s->rt_err = p[1];
	set_nonblock(s->err_capture);
	return 0;
fail:
	stdio_close_all(s);
	return -1;
}

void stdio_close_runtime_side(struct proc_stdio *s)
{
	xclose(&s->rt_in);
	xclose(&s->rt_out);
	xclose(&s->rt_err);
	if (s->console_listen >= 0) {
		xclose(&s->console_listen);
		unlink(s->console_path);
	}
	if (s->err_capture != s->err_r)
		xclose(&s->err_capture);
	s->err_capture = -1;
}

void stdio_close_all(struct proc_stdio *s)
{
	stdio_close_runtime_side(s);
	xclose(&s->in_w);
	xclose(&s->out_r);
	xclose(&s->err_r);
}
