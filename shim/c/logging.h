#ifndef BERTH_LOGGING_H
#define BERTH_LOGGING_H
/* The container log in the Kubernetes CRI format:
 *   <RFC3339Nano UTC> stdout|stderr F|P <content>\n
 * F ends a line, P is a piece of a longer line (longer than CRILOG_LINE_MAX, or unterminated at EOF). */
#include <stddef.h>

#define CRILOG_LINE_MAX (16 * 1024)

struct crilog_line {
	char *buf; /* allocated on first partial line */
	size_t len;
};

struct crilog {
	const char *path;
	int fd;
	long long size;
	long long max_size; /* 0: never rotate */
	int max_files;      /* files kept, including the live one */
	long long dropped;  /* entries lost since the last write that failed (disk full) */
	struct crilog_line lines[2]; /* stdout, stderr */
};

int crilog_open(struct crilog *l, const char *path, long long max_size, int max_files);
/* stream: 1 stdout, 2 stderr. */
void crilog_write(struct crilog *l, int stream, const char *data, size_t n);
/* Writes out pending partial lines of stream as P entries (at EOF). */
void crilog_flush(struct crilog *l, int stream);
int crilog_reopen(struct crilog *l);
void crilog_close(struct crilog *l);

#endif
