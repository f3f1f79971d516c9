#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "protocol.h"
#include "shim.h"
#include "util.h"

struct pending_exec *pending_execs;
static int exec_counter;

void exec_start(struct client *c, const char *path, int tty)
{
	struct pending_exec *pe = calloc(1, sizeof(*pe));
	char console[4096];
	char **argv;

	if (!pe) {
		reply(c, "ERROR out of memory\n");
		client_finish(c);
		return;
	}
	pe->n = ++exec_counter;
	pe->tty = tty;
	pe->c = c;
	pe->res.pty = -1;
	snprintf(pe->pid_file, sizeof(pe->pid_file), "%s/exec-%d.pid", g_opts.state_dir, pe->n);
	snprintf(console, sizeof(console), "%s/exec-%d.sock", g_opts.state_dir, pe->n);
	if ((tty ? stdio_console(&pe->s, console) : stdio_pipes(&pe->s, 1)) < 0) {
		reply(c, "ERROR exec stdio: %s\n", strerror(errno));
		client_finish(c);
		free(pe);
		return;
	}
	argv = runtime_exec_argv(&g_opts, path, pe->pid_file, tty ? console : NULL);
	pe->call = (struct runtime_call){.in = pe->s.rt_in, .out = pe->s.rt_out, .err = pe->s.rt_err,
					 .console_listen = pe->s.console_listen, .err_capture = pe->s.err_capture,
					 .pid_file = pe->pid_file};
	pe->rt_pid = argv ? runtime_spawn(&g_opts, argv, &pe->call, &pe->log_off) : -1;
	runtime_argv_free(argv);
	if (pe->rt_pid < 0) {
		reply(c, "ERROR start runtime: %s\n", argv ? strerror(errno) : "out of memory");
		client_finish(c);
		stdio_close_all(&pe->s);
		free(pe);
		return;
	}
	/* Our copies of the runtime's stdio would hold the process's pipes open. */
	close(pe->s.rt_in);
	close(pe->s.rt_out);
	close(pe->s.rt_err);
	pe->s.rt_in = pe->s.rt_out = pe->s.rt_err = -1;
	pe->deadline = monotonic_ms() + RUNTIME_TIMEOUT_MS;
	pe->next = pending_execs;
	pending_execs = pe;
	c->st = CL_EXEC_PENDING;
}

struct pending_exec *exec_of_runtime(pid_t pid)
{
	struct pending_exec *pe;

	for (pe = pending_execs; pe; pe = pe->next)
		if (pe->rt_pid == pid)
			break;
	return pe;
}

int exec_is_pending(const struct pending_exec *pe)
{
	for (struct pending_exec *p = pending_execs; p; p = p->next)
		if (p == pe)
			return 1;
	return 0;
}

void exec_complete(struct pending_exec *pe, int status)
{
	struct client *c = pe->c;
	struct proc *p = NULL;
	int rc;

	for (struct pending_exec **pp = &pending_execs; *pp; pp = &(*pp)->next)
		if (*pp == pe) {
			*pp = pe->next;
			break;
		}
	rc = runtime_finish(&g_opts, status, &pe->call, pe->log_off, &pe->res);
	unlink(pe->pid_file);
	if (rc == 0) {
		stdio_close_runtime_side(&pe->s);
		p = proc_new(pe->res.pid, pe->n, pe->tty, &pe->s, pe->res.pty);
		if (!p) {
			snprintf(pe->res.err, sizeof(pe->res.err), "out of memory");
			if (pe->res.pty >= 0)
				close(pe->res.pty);
		}
	}
	stdio_close_all(&pe->s);
	if (!p) {
		log_warn("exec %d failed: %s", pe->n, pe->res.err);
		if (c) {
			reply(c, "ERROR %s\n", pe->res.err);
			client_finish(c);
		}
	} else {
		log_info("exec %d started: pid %d", pe->n, p->pid);
		if (c) {
			reply(c, "OK %d\n", p->pid);
			c->st = CL_STREAM;
			c->proc = p;
			client_frames(c);
		} else {
			proc_kill_exec(p); /* its client went away while the runtime ran */
		}
	}
	free(pe);
}

int exec_enforce_deadlines(long long now)
{
	for (struct pending_exec *pe = pending_execs; pe; pe = pe->next)
		if (now >= pe->deadline && !pe->killed) {
			log_warn("exec %d: runtime timed out", pe->n);
			kill(pe->rt_pid, SIGKILL);
			pe->killed = 1;
		}
	return pending_execs != NULL;
}

void exec_forget_client(struct client *c)
{
	for (struct pending_exec *pe = pending_execs; pe; pe = pe->next)
		if (pe->c == c)
			pe->c = NULL;
}

void exec_free_all(void)
{
	while (pending_execs) {
		struct pending_exec *pe = pending_execs;

		pending_execs = pe->next;
		stdio_close_all(&pe->s);
		free(pe);
	}
}
