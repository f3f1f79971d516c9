#define _GNU_SOURCE
#include "sync_pipe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void sync_pipe_report(int fd, const char *fmt, ...)
{
	char buf[1500];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	for (int i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	buf[n++] = '\n';
	if (write_all(fd, buf, (size_t)n) < 0) {
		/* The parent is gone: nobody is left to tell. */
	}
	close(fd);
}

int sync_pipe_relay(int rfd)
{
	char line[2048];
	size_t got = 0;
	ssize_t n;

	while (got + 1 < sizeof(line) && (n = read(rfd, line + got, sizeof(line) - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = 0;
	if (!memchr(line, '\n', got)) {
		printf("error shim exited before reporting\n");
		return 1;
	}
	*strchr(line, '\n') = 0;
	printf("%s\n", line);
	fflush(stdout);
	return strncmp(line, "ok ", 3) == 0 ? 0 : 1;
}
