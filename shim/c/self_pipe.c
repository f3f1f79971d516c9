#define _GNU_SOURCE
#include "self_pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int sp[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	/* EAGAIN when full is fine: one pending byte is enough to wake the loop. */
	if (write(sp[1], "x", 1) < 0) {
	}
	errno = saved;
}

int self_pipe_init(void)
{
	struct sigaction sa;

	if (pipe2(sp, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	return sp[0];
}

void self_pipe_drain(void)
{
	char buf[64];

	while (read(sp[0], buf, sizeof(buf)) > 0) {
	}
}

