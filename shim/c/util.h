#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H
#include <stddef.h>
#include <sys/types.h>

#define RFC3339NANO_LEN 31 /* 2006-01-02T15:04:05.000000000Z + NUL */

/* Current UTC time as RFC 3339 with nine fraction digits. */
void rfc3339nano_now(char out[RFC3339NANO_LEN]);
/* Writes data to dir/name atomically: temp file, fsync, rename, fsync dir. */
int write_file_atomic(const char *dir, const char *name, const char *data, size_t len);
/* Reads at most cap-1 bytes of path into buf, NUL-terminated; returns length or -1. */
ssize_t read_small_file(const char *path, char *buf, size_t cap);
int set_nonblock(int fd);
int set_cloexec(int fd);
int write_all(int fd, const void *buf, size_t len);
/* Closes *fd if open and marks it closed (-1). */
void xclose(int *fd);
long long monotonic_ms(void);
/* mkdir -p */
int mkdir_p(const char *path, mode_t mode);

#endif
