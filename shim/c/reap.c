#define _GNU_SOURCE
#include "reap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"
#include "exit.h"
#include "frames.h"
#include "log.h"
#include "proc.h"
#include "protocol.h"
#include "runtime.h"
#include "shim.h"
#include "util.h"

#define DRAIN_MS 2000     /* how long output may still arrive after a process exited */
#define SHUTDOWN_MS 5000  /* how long clients get to read the exit once the container is gone */

char exit_json[256];
size_t exit_json_len;
int init_done;
long long shutdown_deadline;

/*
 * In a shared pid namespace the init's exit kills nothing else: what it left would keep running in the pod and
 * hold the output pipes open, so the exit would be reported only after DRAIN_MS. containerd's shim kills them
 * the same way. The runtime is not waited for; reap() collects it.
 */
static void kill_the_rest(void)
{
	char **argv = runtime_kill_all_argv(&g_opts);
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct runtime_call c = {.console_listen = -1, .err_capture = -1};
	off_t log_off;

	if (argv && null_fd >= 0) {
		c.in = c.out = c.err = null_fd;
		if (runtime_spawn(&g_opts, argv, &c, &log_off) < 0)
			log_warn("kill the rest of the container: fork: %s", strerror(errno));
	}
	if (null_fd >= 0)
		close(null_fd);
	runtime_argv_free(argv);
}

void reap(void)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct proc *p;
		struct pending_exec *pe = exec_of_runtime(pid);

		if (pe) {
			exec_complete(pe, st);
			continue;
		}

		p = proc_find(pid);
		if (p && !p->exited) {
			p->exited = 1;
			p->status = st;
			p->exit_ms = monotonic_ms();
			if (p == init_proc) {
				log_info("container init %d exited", pid);
				if (g_opts.kill_all_on_exit)
					kill_the_rest();
			}
		} else if (!p) {
			proc_record_orphan(pid, st);
		}
	}
}

static void record_init_exit(struct proc *p)
{
	char ts[RFC3339NANO_LEN];

	crilog_flush(&g_crilog, STREAM_STDOUT);
	crilog_flush(&g_crilog, STREAM_STDERR);
	rfc3339nano_now(ts);
	exit_json_len = exit_format(exit_json, sizeof(exit_json), p->status, oom_watch_killed(&g_oom), ts);
	if (exit_write(g_opts.state_dir, exit_json, exit_json_len) < 0)
		log_error("write exit file: %s", strerror(errno));
	log_info("container exited: %.*s", (int)exit_json_len - 1, exit_json);
	init_done = 1;
	shutdown_deadline = monotonic_ms() + SHUTDOWN_MS;
	for (struct client *c = clients; c; c = c->next)
		if (c->st == CL_WAIT) {
			client_send(c, exit_json, exit_json_len);
			client_finish(c);
		}
}

static void proc_finalize(struct proc *p)
{
	/* Whatever is still readable belongs before the exit. */
	while (p->out_fd >= 0 || p->err_fd >= 0) {
		int before_out = p->out_fd, before_err = p->err_fd;

		if (p->out_fd >= 0)
			proc_output(p, STREAM_STDOUT);
		if (p->err_fd >= 0)
			proc_output(p, STREAM_STDERR);
		if (p->out_fd == before_out && p->err_fd == before_err) {
			struct pollfd pf[2] = {{.fd = p->out_fd, .events = POLLIN}, {.fd = p->err_fd, .events = POLLIN}};

			if (poll(pf, 2, 0) <= 0)
				break;
		}
	}
	if (p == init_proc)
		record_init_exit(p);
	for (struct client *c = clients; c; c = c->next)
		if (c->st == CL_STREAM && c->proc == p)
			send_exit_frame(c, p->status);
	xclose(&p->out_fd);
	xclose(&p->err_fd);
	proc_close_stdin(p);
	/* Unlink and free; init stays allocated for the exit status. */
	proc_unlink(p);
	if (p != init_proc)
		free(p);
}

int finish_exited(long long now)
{
	int draining = 0;

	for (struct proc *p = procs, *next; p; p = next) {
		next = p->next;
		if (p->exited) {
			if ((p->out_fd < 0 && p->err_fd < 0) || now - p->exit_ms >= DRAIN_MS)
				proc_finalize(p);
			else
				draining = 1;
		}
	}
	return draining;
}
