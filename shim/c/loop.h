#ifndef BERTH_LOOP_H
#define BERTH_LOOP_H
/* The shim's one poll loop, until the container has exited and its clients are served. sig_fd: the self
 * pipe's read end (SIGCHLD); listen_fd: shim.sock. */
void loop(int sig_fd, int listen_fd);
#endif
