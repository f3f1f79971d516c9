#ifndef BERTH_SYNC_PIPE_H
#define BERTH_SYNC_PIPE_H
/* The start-up answer: the forked shim writes one line ("ok INIT_PID SHIM_PID" or "error MESSAGE") on a pipe,
 * and its parent, which the daemon started, prints it and exits 0 for ok, 1 otherwise. */

/* Writes the line (newlines in it become spaces) and closes fd. */
void sync_pipe_report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The parent's side: relays the line read from rfd to stdout; returns the parent's exit code. */
int sync_pipe_relay(int rfd);
#endif
