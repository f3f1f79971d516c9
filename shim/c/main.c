/* berth-shim: one per container. Creates the container through the OCI runtime, keeps its stdio,
 * writes its CRI log, serves attach/exec/wait on STATE/shim.sock and records its exit in STATE/exit.
 * See docs/shim-protocol.md. This file starts it (the fork, the sync pipe, the create) and tears it down;
 * loop.c runs it, proc.c holds its processes, protocol.c serves its clients, exec.c runs EXEC requests,
 * reap.c collects exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli.h"
#include "ctrl_sock.h"
#include "exec.h"
#include "log.h"
#include "logging.h"
#include "loop.h"
#include "oom.h"
#include "proc.h"
#include "protocol.h"
#include "runtime.h"
#include "self_pipe.h"
#include "shim.h"
#include "stdio.h"
#include "sync_pipe.h"
#include "util.h"

const char *g_container_id;
struct shim_opts g_opts;
struct crilog g_crilog;
struct oom_watch g_oom;

/* Keeps errno for the error report that follows. */
static void cleanup_files(void)
{
	int saved = errno;

	unlink("shim.sock");
	unlink("shim.pid");
	errno = saved;
}

int main(int argc, char **argv)
{
	char err[1024], buf[64];
	int rp[2], devnull, rfd, sig_fd, listen_fd;
	struct proc_stdio s;
	struct runtime_call call;
	struct runtime_result res;
	char pid_file[4096], console[4096];
	char **rargv;
	pid_t pid;
	int n;

	if (cli_parse(argc, argv, &g_opts, err, sizeof(err)) < 0) {
		printf("error %s\n", err);
		return 1;
	}
	g_container_id = g_opts.id;
	if (mkdir_p(g_opts.state_dir, 0700) < 0) {
		printf("error create state dir %s: %s\n", g_opts.state_dir, strerror(errno));
		return 1;
	}
	if (pipe2(rp, O_CLOEXEC) < 0) {
		printf("error pipe: %s\n", strerror(errno));
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("error fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid > 0) {
		close(rp[1]);
		n = sync_pipe_relay(rp[0]);
		cli_free(&g_opts);
		return n;
	}

	/* The shim proper. */
	close(rp[0]);
	setsid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		sync_pipe_report(rp[1], "error set child subreaper: %s", strerror(errno));
		_exit(1);
	}
	signal(SIGPIPE, SIG_IGN);
	devnull = open("/dev/null", O_RDWR);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0) {
		sync_pipe_report(rp[1], "error /dev/null: %s", strerror(errno));
		_exit(1);
	}
	if (dup2(rp[1], 3) < 0) {
		sync_pipe_report(rp[1], "error dup: %s", strerror(errno));
		_exit(1);
	}
	rfd = 3;
	set_cloexec(rfd);
	/* Inherited descriptors would keep the daemon's pipes open and leak into the container. */
	if (close_range(4, ~0U, 0) < 0)
		for (int fd = 4; fd < 65536; fd++)
			close(fd);
	openlog("berth-shim", LOG_PID, LOG_DAEMON);
	if (chdir(g_opts.state_dir) < 0) {
		sync_pipe_report(rfd, "error chdir %s: %s", g_opts.state_dir, strerror(errno));
		_exit(1);
	}
	n = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (write_file_atomic(g_opts.state_dir, "shim.pid", buf, (size_t)n) < 0) {
		sync_pipe_report(rfd, "error write shim.pid: %s", strerror(errno));
		_exit(1);
	}
	sig_fd = self_pipe_init();
	listen_fd = ctrl_listen("shim.sock");
	if (sig_fd < 0 || listen_fd < 0) {
		cleanup_files();
		sync_pipe_report(rfd, "error listen %s/shim.sock: %s", g_opts.state_dir, strerror(errno));
		_exit(1);
	}
	if (crilog_open(&g_crilog, g_opts.log_path, g_opts.log_max_size, g_opts.log_max_files) < 0) {
		cleanup_files();
		sync_pipe_report(rfd, "error open log %s: %s", g_opts.log_path, strerror(errno));
		_exit(1);
	}
	snprintf(pid_file, sizeof(pid_file), "%s/pid", g_opts.state_dir);
	snprintf(console, sizeof(console), "%s/console.sock", g_opts.state_dir);
	if ((g_opts.terminal ? stdio_console(&s, console) : stdio_pipes(&s, g_opts.stdin_open)) < 0) {
		cleanup_files();
		sync_pipe_report(rfd, "error container stdio: %s", strerror(errno));
		_exit(1);
	}
	rargv = runtime_create_argv(&g_opts, pid_file, g_opts.terminal ? console : NULL);
	call = (struct runtime_call){.in = s.rt_in, .out = s.rt_out, .err = s.rt_err,
				     .console_listen = s.console_listen, .err_capture = s.err_capture,
				     .pid_file = pid_file};
	if (!rargv || runtime_run(&g_opts, rargv, &call, &res) < 0) {
		log_error("create failed: %s", rargv ? res.err : "out of memory");
		/* Files go first: once the answer is out, the daemon may look at the state dir. */
		cleanup_files();
		/* "create: " marks the runtime's own refusal, as opposed to a failure of the shim. */
		sync_pipe_report(rfd, "error %s%s", rargv ? "create: " : "", rargv ? res.err : "out of memory");
		runtime_argv_free(rargv);
		stdio_close_all(&s);
		crilog_close(&g_crilog);
		cli_free(&g_opts);
		closelog();
		_exit(1);
	}
	runtime_argv_free(rargv);
	stdio_close_runtime_side(&s);
	init_proc = proc_new(res.pid, 0, g_opts.terminal, &s, res.pty);
	stdio_close_all(&s);
	if (!init_proc) {
		sync_pipe_report(rfd, "error out of memory");
		_exit(1);
	}
	oom_watch_init(&g_oom, res.pid);
	log_info("container created: pid %d", res.pid);
	sync_pipe_report(rfd, "ok %d %d", res.pid, getpid());

	loop(sig_fd, listen_fd);

	exec_free_all();
	clients_free_all();
	proc_free_all();
	crilog_close(&g_crilog);
	oom_watch_free(&g_oom);
	close(listen_fd);
	unlink("shim.sock");
	log_info("shim exiting");
	closelog();
	cli_free(&g_opts);
	return 0;
}
