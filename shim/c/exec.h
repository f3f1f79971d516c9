#ifndef BERTH_EXEC_H
#define BERTH_EXEC_H
/* EXEC requests whose runtime (`exec -d`) is still running; the loop goes on meanwhile. */
#include <sys/types.h>

#include "ctrl_sock.h"
#include "runtime.h"
#include "stdio.h"

struct pending_exec {
	pid_t rt_pid;
	int n, tty, killed;
	long long deadline;
	off_t log_off;
	struct proc_stdio s;
	struct runtime_call call;
	struct runtime_result res;
	char pid_file[4096];
	struct client *c; /* NULL once the client went away */
	struct pending_exec *next;
};

extern struct pending_exec *pending_execs;

/* Starts the runtime for process.json at path; the client waits in CL_EXEC_PENDING, or gets an error. */
void exec_start(struct client *c, const char *path, int tty);
/* The exec whose runtime has this pid, or NULL. */
struct pending_exec *exec_of_runtime(pid_t pid);
int exec_is_pending(const struct pending_exec *pe);
/* The exec's runtime has exited: hand the process to its client, or report the runtime's error. */
void exec_complete(struct pending_exec *pe, int status);
/* Kills the runtimes past their deadline; returns whether any exec is pending. */
int exec_enforce_deadlines(long long now);
/* c went away: its pending exec's process is killed once the runtime is done. */
void exec_forget_client(struct client *c);
void exec_free_all(void);
#endif
