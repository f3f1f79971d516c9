#ifndef BERTH_RUNTIME_H
#define BERTH_RUNTIME_H
#include <stddef.h>
#include <sys/types.h>

#include "cli.h"

struct runtime_call {
	int in, out, err;    /* the runtime's stdio (the container inherits them without a terminal) */
	int console_listen;  /* listening console socket, or -1 */
	int err_capture;     /* read end of the runtime's stderr when it is not the container's, or -1 */
	const char *pid_file;
};

struct runtime_result {
	pid_t pid;     /* from the pid file */
	int pty;       /* pty master received on the console socket, or -1 */
	char err[1024];
};

/* Argument vectors for `create` and `exec -d`; free with runtime_argv_free. */
char **runtime_create_argv(const struct shim_opts *o, const char *pid_file, const char *console);
char **runtime_exec_argv(const struct shim_opts *o, const char *process_json, const char *pid_file,
			 const char *console);
/* `kill --all ID KILL`: every process left in the container's cgroup. */
char **runtime_kill_all_argv(const struct shim_opts *o);
void runtime_argv_free(char **argv);

#define RUNTIME_TIMEOUT_MS (120 * 1000)

/* Starts the runtime; log_off marks where its json log entries for this call begin. -1 on failure. */
pid_t runtime_spawn(const struct shim_opts *o, char **argv, const struct runtime_call *c, off_t *log_off);
/* Takes a pty from the console socket if one is waiting (res->pty must start at -1). */
void runtime_accept_console(int listen_fd, int *pty);
/* After the runtime exited with status: collects the pty and the pid file, or the runtime's error. */
int runtime_finish(const struct shim_opts *o, int status, const struct runtime_call *c, off_t log_off,
		   struct runtime_result *res);
/* spawn + wait + finish, for the create at start-up: runs the runtime to completion (receiving the pty if console_listen >= 0) and reads its pid file.
 * Returns 0, or -1 with res->err holding the runtime's own error text. */
int runtime_run(const struct shim_opts *o, char **argv, const struct runtime_call *c, struct runtime_result *res);

#endif
