#define _GNU_SOURCE
#include "logging.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static int open_log(struct crilog *l)
{
	struct stat st;

	l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (l->fd < 0)
		return -1;
	l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

int crilog_open(struct crilog *l, const char *path, long long max_size, int max_files)
{
	memset(l, 0, sizeof(*l));
	l->path = path;
	l->max_size = max_size;
	l->max_files = max_files < 1 ? 1 : max_files;
	return open_log(l);
}

int crilog_reopen(struct crilog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	return open_log(l);
}

static void rotate(struct crilog *l)
{
	char from[4096], to[4096];

	close(l->fd);
	l->fd = -1;
	if (l->max_files == 1) {
		if (truncate(l->path, 0) < 0)
			log_warn("truncate %s: %s", l->path, strerror(errno));
	} else {
		for (int i = l->max_files - 1; i >= 1; i--) {
			if (i == 1)
				snprintf(from, sizeof(from), "%s", l->path);
			else
				snprintf(from, sizeof(from), "%s.%d", l->path, i - 1);
			snprintf(to, sizeof(to), "%s.%d", l->path, i);
			if (rename(from, to) < 0 && errno != ENOENT)
				log_warn("rotate %s: %s", from, strerror(errno));
		}
	}
	if (open_log(l) < 0)
		log_error("reopen log %s: %s", l->path, strerror(errno));
}

/* A write that fails (disk full, quota) drops the entry rather than block the container on its stdout:
 * a short write is cut back so that the file holds whole entries only, the first failure and the
 * recovery are logged once each, and the next entry tries again, so logging resumes once there is space. */
static void entry_failed(struct crilog *l, ssize_t written)
{
	int err = errno;

	if (written > 0 && ftruncate(l->fd, l->size) < 0)
		log_warn("cut partial log entry in %s: %s", l->path, strerror(errno));
	if (l->dropped++ == 0)
		log_warn("write log %s: %s; dropping entries until it works again", l->path,
			 written >= 0 ? "short write" : strerror(err));
}

static void emit(struct crilog *l, int stream, char tag, const char *data, size_t n)
{
	char head[RFC3339NANO_LEN + 16];
	struct iovec iov[3];
	int hl;
	size_t total;
	ssize_t written;

	if (l->fd < 0 && open_log(l) < 0) {
		entry_failed(l, -1);
		return;
	}
	rfc3339nano_now(head);
	hl = snprintf(head + RFC3339NANO_LEN - 1, 16, " %s %c ", stream == 2 ? "stderr" : "stdout", tag);
	iov[0].iov_base = head;
	iov[0].iov_len = RFC3339NANO_LEN - 1 + (size_t)hl;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = n;
	iov[2].iov_base = "\n";
	iov[2].iov_len = 1;
	total = iov[0].iov_len + n + 1;
	/* One writev per entry keeps entries whole for readers tailing the file. */
	written = writev(l->fd, iov, 3);
	if (written != (ssize_t)total) {
		entry_failed(l, written);
		return;
	}
	if (l->dropped > 0) {
		log_warn("write log %s works again; %lld entries were dropped", l->path, l->dropped);
		l->dropped = 0;
	}
	l->size += (long long)total;
	if (l->max_size > 0 && l->size >= l->max_size)
		rotate(l);
}

static int append(struct crilog_line *ln, const char *data, size_t n)
{
	if (!ln->buf) {
		ln->buf = malloc(CRILOG_LINE_MAX);
		if (!ln->buf)
			return -1;
	}
	memcpy(ln->buf + ln->len, data, n);
	ln->len += n;
	return 0;
}

void crilog_write(struct crilog *l, int stream, const char *data, size_t n)
{
	struct crilog_line *ln = &l->lines[stream == 2 ? 1 : 0];

	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t seg = nl ? (size_t)(nl - data) : n;

		if (ln->len + seg > CRILOG_LINE_MAX || (!nl && ln->len + seg == CRILOG_LINE_MAX)) {
			size_t take = CRILOG_LINE_MAX - ln->len;

			if (append(ln, data, take) < 0)
				return;
			emit(l, stream, 'P', ln->buf, ln->len);
			ln->len = 0;
			data += take;
			n -= take;
			continue;
		}
		if (!nl) {
			if (append(ln, data, seg) < 0)
				return;
			return;
		}
		if (ln->len == 0) {
			emit(l, stream, 'F', data, seg);
		} else {
			if (append(ln, data, seg) < 0)
				return;
			emit(l, stream, 'F', ln->buf, ln->len);
			ln->len = 0;
		}
		data += seg + 1;
		n -= seg + 1;
	}
}

void crilog_flush(struct crilog *l, int stream)
{
	struct crilog_line *ln = &l->lines[stream == 2 ? 1 : 0];

	if (ln->len > 0) {
		emit(l, stream, 'P', ln->buf, ln->len);
		ln->len = 0;
	}
}

void crilog_close(struct crilog *l)
{
	crilog_flush(l, 1);
	crilog_flush(l, 2);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	free(l->lines[0].buf);
	free(l->lines[1].buf);
	l->lines[0].buf = l->lines[1].buf = NULL;
}
