#define _GNU_SOURCE
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "util.h"

static void push(char **argv, int *n, const char *s)
{
	argv[(*n)++] = strdup(s);
}

static int common(const struct shim_opts *o, char **argv)
{
	char logp[4096];
	int n = 0;

	snprintf(logp, sizeof(logp), "%s/runtime.log", o->state_dir);
	push(argv, &n, o->runtime);
	if (o->runtime_root) {
		push(argv, &n, "--root");
		push(argv, &n, o->runtime_root);
	}
	if (o->systemd_cgroup)
		push(argv, &n, "--systemd-cgroup");
	push(argv, &n, "--log");
	push(argv, &n, logp);
	push(argv, &n, "--log-format");
	push(argv, &n, "json");
	return n;
}

char **runtime_create_argv(const struct shim_opts *o, const char *pid_file, const char *console)
{
	char **argv = calloc(24, sizeof(char *));
	int n;

	if (!argv)
		return NULL;
	n = common(o, argv);
	push(argv, &n, "create");
	push(argv, &n, "--bundle");
	push(argv, &n, o->bundle);
	push(argv, &n, "--pid-file");
	push(argv, &n, pid_file);
	if (console) {
		push(argv, &n, "--console-socket");
		push(argv, &n, console);
	}
	push(argv, &n, o->id);
	return argv;
}

char **runtime_exec_argv(const struct shim_opts *o, const char *process_json, const char *pid_file,
			 const char *console)
{
	char **argv = calloc(24, sizeof(char *));
	int n;

	if (!argv)
		return NULL;
	n = common(o, argv);
	push(argv, &n, "exec");
	push(argv, &n, "-d");
	push(argv, &n, "--pid-file");
	push(argv, &n, pid_file);
	push(argv, &n, "--process");
	push(argv, &n, process_json);
	if (console) {
		push(argv, &n, "--console-socket");
		push(argv, &n, console);
	}
	push(argv, &n, o->id);
	return argv;
}

char **runtime_kill_all_argv(const struct shim_opts *o)
{
	char **argv = calloc(24, sizeof(char *));
	int n;

	if (!argv)
		return NULL;
	n = common(o, argv);
	push(argv, &n, "kill");
	push(argv, &n, "--all");
	push(argv, &n, o->id);
	push(argv, &n, "KILL");
	return argv;
}

void runtime_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

/* Copies the JSON string value starting after the opening quote, unescaping the common escapes. */
static void json_string(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s && *s != '"' && n + 1 < cap; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			switch (*s) {
			case 'n': out[n++] = ' '; break;
			case 't': out[n++] = ' '; break;
			case 'u': out[n++] = '?'; s += strnlen(s + 1, 4) ; break;
			default: out[n++] = *s;
			}
		} else {
			out[n++] = *s;
		}
	}
	out[n] = 0;
}

/* The last error-level message the runtime logged after offset. */
static void last_runtime_error(const char *state_dir, off_t off, char *out, size_t cap)
{
	char path[4096];
	char *buf, *save = NULL;
	int fd;
	ssize_t n;
	size_t got = 0, bcap = 64 * 1024;

	out[0] = 0;
	snprintf(path, sizeof(path), "%s/runtime.log", state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	buf = malloc(bcap);
	if (!buf) {
		close(fd);
		return;
	}
	if (lseek(fd, off, SEEK_SET) < 0)
		off = 0;
	while (got + 1 < bcap && (n = read(fd, buf + got, bcap - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	close(fd);
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *m;

		if (!strstr(l, "\"level\":\"error\"") && !strstr(l, "\"level\":\"fatal\""))
			continue;
		m = strstr(l, "\"msg\":\"");
		if (m)
			json_string(m + 7, out, cap);
	}
	free(buf);
}

static off_t runtime_log_size(const char *state_dir)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/runtime.log", state_dir);
	return stat(path, &st) == 0 ? st.st_size : 0;
}

void runtime_accept_console(int listen_fd, int *pty)
{
	int c;

	if (*pty >= 0)
		return;
	c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (c < 0)
		return;
	/* runc sends right after connecting; a blocking receive keeps that simple. */
	fcntl(c, F_SETFL, 0);
	*pty = fdpass_recv(c);
	if (*pty < 0)
		log_warn("receive console fd: %s", strerror(errno));
	close(c);
}

pid_t runtime_spawn(const struct shim_opts *o, char **argv, const struct runtime_call *c, off_t *log_off)
{
	pid_t pid;

	*log_off = runtime_log_size(o->state_dir);
	pid = fork();
	if (pid == 0) {
		sigset_t all;

		if (dup2(c->in, 0) < 0 || dup2(c->out, 1) < 0 || dup2(c->err, 2) < 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (close_range(3, ~0U, 0) < 0)
			for (int fd = 3; fd < 65536; fd++)
				close(fd);
		execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

int runtime_finish(const struct shim_opts *o, int status, const struct runtime_call *c, off_t log_off,
		   struct runtime_result *res)
{
	char pidbuf[64];

	res->pid = -1;
	res->err[0] = 0;
	if (c->console_listen >= 0)
		runtime_accept_console(c->console_listen, &res->pty);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char captured[512] = "";

		last_runtime_error(o->state_dir, log_off, res->err, sizeof(res->err));
		if (c->err_capture >= 0) {
			ssize_t n = read(c->err_capture, captured, sizeof(captured) - 1);

			captured[n > 0 ? n : 0] = 0;
			for (char *p = captured; *p; p++)
				if (*p == '\n')
					*p = ' ';
		}
		if (!res->err[0] && captured[0])
			snprintf(res->err, sizeof(res->err), "%s", captured);
		if (!res->err[0])
			snprintf(res->err, sizeof(res->err), "runtime %s (status %d)",
				 WIFEXITED(status) ? "failed" : "was killed",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		if (res->pty >= 0) {
			close(res->pty);
			res->pty = -1;
		}
		return -1;
	}
	if (read_small_file(c->pid_file, pidbuf, sizeof(pidbuf)) <= 0 || (res->pid = atoi(pidbuf)) <= 0) {
		snprintf(res->err, sizeof(res->err), "read pid file %s: %s", c->pid_file, strerror(errno));
		return -1;
	}
	if (c->console_listen >= 0 && res->pty < 0) {
		snprintf(res->err, sizeof(res->err), "runtime did not send a console");
		return -1;
	}
	return 0;
}

int runtime_run(const struct shim_opts *o, char **argv, const struct runtime_call *c, struct runtime_result *res)
{
	long long deadline = monotonic_ms() + RUNTIME_TIMEOUT_MS;
	off_t log_off;
	int status = 0;
	pid_t pid, w;

	res->pty = -1;
	pid = runtime_spawn(o, argv, c, &log_off);
	if (pid < 0) {
		snprintf(res->err, sizeof(res->err), "fork: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		w = waitpid(pid, &status, c->console_listen >= 0 ? WNOHANG : 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			snprintf(res->err, sizeof(res->err), "wait for runtime: %s", strerror(errno));
			return -1;
		}
		if (monotonic_ms() > deadline) {
			kill(pid, SIGKILL);
			continue;
		}
		if (c->console_listen >= 0) {
			struct pollfd p = {.fd = c->console_listen, .events = POLLIN};

			if (poll(&p, 1, 20) > 0)
				runtime_accept_console(c->console_listen, &res->pty);
		}
	}
	return runtime_finish(o, status, c, log_off, res);
}
