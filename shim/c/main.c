/* berth-shim: one per container. Creates the container through the OCI runtime, keeps its stdio,
 * writes its CRI log, serves attach/exec/wait on STATE/shim.sock and records its exit in STATE/exit.
 * See docs/shim-protocol.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "ctrl_sock.h"
#include "exit.h"
#include "frames.h"
#include "log.h"
#include "logging.h"
#include "oom.h"
#include "runtime.h"
#include "self_pipe.h"
#include "stdio.h"
#include "util.h"

#define READ_BUF (16 * 1024)
#define DRAIN_MS 2000     /* how long output may still arrive after a process exited */
#define SHUTDOWN_MS 5000  /* how long clients get to read the exit once the container is gone */
#define ORPHANS 32

const char *g_container_id;

struct proc {
	pid_t pid;
	int exec_no; /* 0 for the container init */
	int tty;
	int out_fd, err_fd; /* read ends; the pty master is out_fd */
	int in_fd;          /* stdin write end (pipes), or -1 */
	int exited, status;
	long long exit_ms;
	uint8_t *pend;      /* stdin bytes the process has not taken yet */
	size_t pend_len, pend_off;
	struct proc *next;
};

static struct shim_opts opts;
static struct crilog crilog;
static struct oom_watch oom;
static struct proc *procs, *init_proc;
static struct client *clients;
static int listen_fd = -1, sig_fd = -1;
static char exit_json[256];
static size_t exit_json_len;
static int init_done;
static long long shutdown_deadline;
static int exec_counter;
static struct {
	pid_t pid;
	int status;
} orphans[ORPHANS];
static int orphan_next;

/* An EXEC whose runtime is still running; the loop goes on meanwhile. */
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
static struct pending_exec *pending_execs;

static void xclose(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- processes ---- */

static struct proc *proc_new(pid_t pid, int exec_no, int tty, struct proc_stdio *s, int pty)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pid = pid;
	p->exec_no = exec_no;
	p->tty = tty;
	p->out_fd = tty ? pty : s->out_r;
	p->err_fd = tty ? -1 : s->err_r;
	p->in_fd = tty ? -1 : s->in_w;
	s->out_r = s->err_r = s->in_w = -1;
	if (p->out_fd >= 0)
		set_nonblock(p->out_fd);
	/* The process may have exited, and been reaped, before its pid file was read. */
	for (int i = 0; i < ORPHANS; i++)
		if (orphans[i].pid == pid) {
			p->exited = 1;
			p->status = orphans[i].status;
			p->exit_ms = monotonic_ms();
			orphans[i].pid = 0;
		}
	p->next = procs;
	procs = p;
	return p;
}

static void proc_close_stdin(struct proc *p)
{
	xclose(&p->in_fd);
	free(p->pend);
	p->pend = NULL;
	p->pend_len = p->pend_off = 0;
}

/*
 * An exec's process lives as long as the session that asked for it: when its client goes (berthd killed, the
 * user's connection dropped) nobody can read its output or learn its exit, and a client that retries would run
 * it twice. The runtime makes it a session and group leader, so its group takes the children it started too;
 * the shim has not reaped it, so neither id can have been reused.
 */
static void proc_kill_exec(struct proc *p)
{
	if (p->exited)
		return;
	log_info("exec %d: its client is gone, killing pid %d and its process group", p->exec_no, p->pid);
	if (kill(-p->pid, SIGKILL) < 0 && kill(p->pid, SIGKILL) < 0)
		log_warn("exec %d: kill %d: %s", p->exec_no, p->pid, strerror(errno));
}

static int proc_in_target(struct proc *p)
{
	return p->tty ? p->out_fd : p->in_fd;
}

static int proc_stdin_blocked(struct proc *p)
{
	return p->pend_len > p->pend_off;
}

static void proc_flush_stdin(struct proc *p)
{
	int fd = proc_in_target(p);

	while (fd >= 0 && p->pend_len > p->pend_off) {
		ssize_t n = write(fd, p->pend + p->pend_off, p->pend_len - p->pend_off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			/* The process closed its stdin: input is discarded from now on. */
			if (!p->tty)
				proc_close_stdin(p);
			else
				p->pend_len = p->pend_off = 0;
			return;
		}
		p->pend_off += (size_t)n;
	}
	free(p->pend);
	p->pend = NULL;
	p->pend_len = p->pend_off = 0;
}

/* Returns 0 if consumed, -1 if the process is not taking input right now. */
static int proc_stdin(struct proc *p, const uint8_t *d, size_t n)
{
	if (proc_stdin_blocked(p))
		return -1;
	if (n == 0) {
		if (!p->tty)
			proc_close_stdin(p);
		return 0;
	}
	if (proc_in_target(p) < 0)
		return 0;
	p->pend = malloc(n);
	if (!p->pend)
		return 0;
	memcpy(p->pend, d, n);
	p->pend_len = n;
	p->pend_off = 0;
	proc_flush_stdin(p);
	return 0;
}

static void proc_resize(struct proc *p, const uint8_t *d, size_t n)
{
	char buf[64];
	unsigned rows, cols;
	struct winsize ws;

	if (!p->tty || p->out_fd < 0 || n >= sizeof(buf))
		return;
	memcpy(buf, d, n);
	buf[n] = 0;
	if (sscanf(buf, "%u %u", &rows, &cols) != 2 || rows > 65535 || cols > 65535)
		return;
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	if (ioctl(p->out_fd, TIOCSWINSZ, &ws) < 0)
		log_warn("resize: %s", strerror(errno));
}

static void proc_output(struct proc *p, int stream)
{
	static char buf[READ_BUF];
	int *fd = stream == STREAM_STDERR ? &p->err_fd : &p->out_fd;
	ssize_t n;

	do
		n = read(*fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		/* EOF, or EIO on a pty master once every slave is closed. */
		if (p == init_proc)
			crilog_flush(&crilog, stream);
		xclose(fd);
		if (p->tty) {
			/* The master was also the input side: pending input has nowhere to go. */
			free(p->pend);
			p->pend = NULL;
			p->pend_len = p->pend_off = 0;
		}
		return;
	}
	if (p == init_proc)
		crilog_write(&crilog, stream, buf, (size_t)n);
	for (struct client *c = clients; c; c = c->next)
		if (c->st == CL_STREAM && c->proc == p)
			client_send_frame(c, stream, buf, (size_t)n);
}

/* ---- clients ---- */

static void client_finish(struct client *c)
{
	c->st = CL_CLOSING;
	c->proc = NULL;
	if (!client_wants_out(c))
		c->dead = 1;
}

static void send_exit_frame(struct client *c, int status)
{
	char code[16];
	int n = snprintf(code, sizeof(code), "%d", exit_code_of(status));

	client_send_frame(c, STREAM_EXIT, code, (size_t)n);
	client_finish(c);
}

static void proc_finalize(struct proc *p)
{
	char ts[RFC3339NANO_LEN];

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
	if (p == init_proc) {
		crilog_flush(&crilog, STREAM_STDOUT);
		crilog_flush(&crilog, STREAM_STDERR);
		rfc3339nano_now(ts);
		exit_json_len = exit_format(exit_json, sizeof(exit_json), p->status, oom_watch_killed(&oom), ts);
		if (exit_write(opts.state_dir, exit_json, exit_json_len) < 0)
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
	for (struct client *c = clients; c; c = c->next)
		if (c->st == CL_STREAM && c->proc == p)
			send_exit_frame(c, p->status);
	xclose(&p->out_fd);
	xclose(&p->err_fd);
	proc_close_stdin(p);
	/* Unlink and free; init stays allocated for the exit status. */
	for (struct proc **pp = &procs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p != init_proc)
		free(p);
}

static void reply(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply(struct client *c, const char *fmt, ...)
{
	char buf[1200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	client_send(c, buf, (size_t)n);
}

static void do_exec(struct client *c, const char *path, int tty)
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
	snprintf(pe->pid_file, sizeof(pe->pid_file), "%s/exec-%d.pid", opts.state_dir, pe->n);
	snprintf(console, sizeof(console), "%s/exec-%d.sock", opts.state_dir, pe->n);
	if ((tty ? stdio_console(&pe->s, console) : stdio_pipes(&pe->s, 1)) < 0) {
		reply(c, "ERROR exec stdio: %s\n", strerror(errno));
		client_finish(c);
		free(pe);
		return;
	}
	argv = runtime_exec_argv(&opts, path, pe->pid_file, tty ? console : NULL);
	pe->call = (struct runtime_call){.in = pe->s.rt_in, .out = pe->s.rt_out, .err = pe->s.rt_err,
					 .console_listen = pe->s.console_listen, .err_capture = pe->s.err_capture,
					 .pid_file = pe->pid_file};
	pe->rt_pid = argv ? runtime_spawn(&opts, argv, &pe->call, &pe->log_off) : -1;
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

static void client_frames(struct client *c);

/* The exec's runtime has exited: hand the process to its client, or report the runtime's error. */
static void exec_complete(struct pending_exec *pe, int status)
{
	struct client *c = pe->c;
	struct proc *p = NULL;
	int rc;

	for (struct pending_exec **pp = &pending_execs; *pp; pp = &(*pp)->next)
		if (*pp == pe) {
			*pp = pe->next;
			break;
		}
	rc = runtime_finish(&opts, status, &pe->call, pe->log_off, &pe->res);
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

static void pending_exec_free_all(void)
{
	while (pending_execs) {
		struct pending_exec *pe = pending_execs;

		pending_execs = pe->next;
		stdio_close_all(&pe->s);
		free(pe);
	}
}

static void handle_request(struct client *c, char *line)
{
	if (!strcmp(line, "WAIT")) {
		if (init_done) {
			client_send(c, exit_json, exit_json_len);
			client_finish(c);
		} else {
			c->st = CL_WAIT;
		}
	} else if (!strcmp(line, "ATTACH")) {
		reply(c, "OK\n");
		if (init_done || !init_proc) {
			send_exit_frame(c, init_proc ? init_proc->status : 0);
		} else {
			c->st = CL_STREAM;
			c->proc = init_proc;
		}
	} else if (!strncmp(line, "EXEC ", 5)) {
		char *path = line + 5, *sp = strrchr(path, ' ');

		if (!sp || (strcmp(sp, " 0") && strcmp(sp, " 1")) || path[0] != '/') {
			reply(c, "ERROR usage: EXEC <absolute path to process.json> <0|1>\n");
			client_finish(c);
			return;
		}
		*sp = 0;
		if (init_done || (init_proc && init_proc->exited)) {
			reply(c, "ERROR container has exited\n");
			client_finish(c);
			return;
		}
		do_exec(c, path, sp[1] == '1');
	} else if (!strncmp(line, "SIGNAL ", 7)) {
		char *end;
		long sig = strtol(line + 7, &end, 10);

		if (end == line + 7 || *end || sig < 1 || sig >= NSIG)
			reply(c, "ERROR usage: SIGNAL <signal number 1..%d>\n", NSIG - 1);
		/* Until it is reaped the init's pid cannot be reused, so this signals the container's init and
		   nothing else, without the runtime process a `runtime kill` costs. */
		else if (!init_proc || init_proc->exited)
			reply(c, "ERROR container has exited\n");
		else if (kill(init_proc->pid, (int)sig) < 0)
			reply(c, "ERROR kill %d: %s\n", init_proc->pid, strerror(errno));
		else
			reply(c, "OK\n");
		client_finish(c);
	} else if (!strcmp(line, "REOPEN")) {
		if (crilog_reopen(&crilog) < 0)
			reply(c, "ERROR reopen %s: %s\n", opts.log_path, strerror(errno));
		else
			reply(c, "OK\n");
		client_finish(c);
	} else {
		reply(c, "ERROR unknown request\n");
		client_finish(c);
	}
}

/* Consumes complete input frames; stops while the process is not taking stdin. */
static void client_frames(struct client *c)
{
	size_t off = 0;

	while (c->st == CL_STREAM && !c->dead && c->in_len - off >= FRAME_HDR) {
		int stream;
		uint32_t len;

		if (frame_parse_header(c->in + off, &stream, &len) < 0 || len > FRAME_MAX_PAYLOAD) {
			c->dead = 1;
			break;
		}
		if (c->in_len - off < FRAME_HDR + len)
			break;
		if (stream == STREAM_STDIN) {
			if (proc_stdin(c->proc, c->in + off + FRAME_HDR, len) < 0)
				break;
		} else if (stream == STREAM_RESIZE) {
			proc_resize(c->proc, c->in + off + FRAME_HDR, len);
		}
		off += FRAME_HDR + len;
	}
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

static void client_input(struct client *c)
{
	size_t want = c->st == CL_REQUEST ? CLIENT_REQ_MAX : FRAME_HDR + FRAME_MAX_PAYLOAD;
	ssize_t n;

	if (c->in_cap < want) {
		/* Grow in steps so an attacher sending small frames keeps a small buffer. */
		size_t cap = c->in_cap ? c->in_cap * 2 : 512;
		uint8_t *nb;

		if (cap > want)
			cap = want;
		if (c->in_len == c->in_cap) {
			nb = realloc(c->in, cap);
			if (!nb) {
				c->dead = 1;
				return;
			}
			c->in = nb;
			c->in_cap = cap;
		}
	}
	if (c->in_len == c->in_cap) {
		if (c->st == CL_REQUEST)
			c->dead = 1; /* request line too long */
		return;
	}
	do
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		c->dead = 1;
		return;
	}
	if (c->st == CL_WAIT || c->st == CL_CLOSING) {
		c->in_len = 0; /* nothing more is expected from these */
		return;
	}
	c->in_len += (size_t)n;
	if (c->st == CL_REQUEST) {
		uint8_t *nl = memchr(c->in, '\n', c->in_len);
		size_t ll;

		if (!nl)
			return;
		*nl = 0;
		ll = (size_t)(nl - c->in);
		if (ll > 0 && c->in[ll - 1] == '\r')
			c->in[ll - 1] = 0;
		handle_request(c, (char *)c->in);
		ll += 1;
		memmove(c->in, c->in + ll, c->in_len - ll);
		c->in_len -= ll;
	}
	client_frames(c);
}

static void client_gone(struct client *c)
{
	for (struct pending_exec *pe = pending_execs; pe; pe = pe->next)
		if (pe->c == c)
			pe->c = NULL;
	/* An exec's connection is its only client. */
	if (c->proc && c->proc != init_proc)
		proc_kill_exec(c->proc);
}

static void accept_clients(void)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct client *c;

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		c = client_new(fd);
		if (!c) {
			close(fd);
			return;
		}
		c->next = clients;
		clients = c;
	}
}

/* ---- the loop ---- */

/*
 * In a shared pid namespace the init's exit kills nothing else: what it left would keep running in the pod and
 * hold the output pipes open, so the exit would be reported only after DRAIN_MS. containerd's shim kills them
 * the same way. The runtime is not waited for; reap() collects it.
 */
static void kill_the_rest(void)
{
	char **argv = runtime_kill_all_argv(&opts);
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct runtime_call c = {.console_listen = -1, .err_capture = -1};
	off_t log_off;

	if (argv && null_fd >= 0) {
		c.in = c.out = c.err = null_fd;
		if (runtime_spawn(&opts, argv, &c, &log_off) < 0)
			log_warn("kill the rest of the container: fork: %s", strerror(errno));
	}
	if (null_fd >= 0)
		close(null_fd);
	runtime_argv_free(argv);
}

static void reap(void)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct proc *p;
		struct pending_exec *pe;

		for (pe = pending_execs; pe; pe = pe->next)
			if (pe->rt_pid == pid)
				break;
		if (pe) {
			exec_complete(pe, st);
			continue;
		}

		for (p = procs; p; p = p->next)
			if (p->pid == pid)
				break;
		if (p && !p->exited) {
			p->exited = 1;
			p->status = st;
			p->exit_ms = monotonic_ms();
			if (p == init_proc) {
				log_info("container init %d exited", pid);
				if (opts.kill_all_on_exit)
					kill_the_rest();
			}
		} else if (!p) {
			orphans[orphan_next].pid = pid;
			orphans[orphan_next].status = st;
			orphan_next = (orphan_next + 1) % ORPHANS;
		}
	}
}

enum { K_SIG, K_LISTEN, K_OUT, K_ERR, K_IN, K_CLIENT, K_CONSOLE };

struct pref {
	int kind;
	void *ptr;
};

static void loop(void)
{
	struct pollfd *pfds = NULL;
	struct pref *refs = NULL;
	size_t cap = 0;

	for (;;) {
		size_t n = 0, need = 2;
		int timeout = -1, pending_out = 0;
		long long now;

		reap();
		now = monotonic_ms();
		for (struct proc *p = procs, *next; p; p = next) {
			next = p->next;
			if (p->exited) {
				if ((p->out_fd < 0 && p->err_fd < 0) || now - p->exit_ms >= DRAIN_MS)
					proc_finalize(p);
				else
					timeout = 50;
			}
		}
		/* Drop dead clients. */
		for (struct client **cp = &clients; *cp;) {
			struct client *c = *cp;

			if (c->dead) {
				client_gone(c);
				*cp = c->next;
				client_free(c);
			} else {
				if (client_wants_out(c) || c->st == CL_REQUEST)
					pending_out = 1;
				cp = &c->next;
			}
		}
		for (struct pending_exec *pe = pending_execs; pe; pe = pe->next) {
			if (now >= pe->deadline && !pe->killed) {
				log_warn("exec %d: runtime timed out", pe->n);
				kill(pe->rt_pid, SIGKILL);
				pe->killed = 1;
			}
			timeout = 100;
		}
		if (init_done) {
			if ((!pending_out && !procs && !pending_execs) || now >= shutdown_deadline)
				break;
			timeout = 50;
		}

		for (struct proc *p = procs; p; p = p->next)
			need += 3;
		for (struct client *c = clients; c; c = c->next)
			need++;
		for (struct pending_exec *pe = pending_execs; pe; pe = pe->next)
			need++;
		if (need > cap) {
			cap = need * 2;
			pfds = realloc(pfds, cap * sizeof(*pfds));
			refs = realloc(refs, cap * sizeof(*refs));
			if (!pfds || !refs) {
				log_error("out of memory");
				abort();
			}
		}
#define ADD(f, ev, k, p) (pfds[n] = (struct pollfd){.fd = (f), .events = (ev)}, refs[n++] = (struct pref){(k), (p)})
		ADD(sig_fd, POLLIN, K_SIG, NULL);
		ADD(listen_fd, POLLIN, K_LISTEN, NULL);
		for (struct proc *p = procs; p; p = p->next) {
			if (p->out_fd >= 0)
				ADD(p->out_fd, POLLIN, K_OUT, p);
			if (p->err_fd >= 0)
				ADD(p->err_fd, POLLIN, K_ERR, p);
			if (proc_stdin_blocked(p) && proc_in_target(p) >= 0)
				ADD(proc_in_target(p), POLLOUT, K_IN, p);
		}
		for (struct client *c = clients; c; c = c->next) {
			short ev = client_wants_out(c) ? POLLOUT : 0;

			if (!(c->st == CL_STREAM && c->proc && proc_stdin_blocked(c->proc)) && c->st != CL_EXEC_PENDING)
				ev |= POLLIN;
			ADD(c->fd, ev, K_CLIENT, c);
		}
		for (struct pending_exec *pe = pending_execs; pe; pe = pe->next)
			if (pe->s.console_listen >= 0 && pe->res.pty < 0)
				ADD(pe->s.console_listen, POLLIN, K_CONSOLE, pe);
#undef ADD
		if (poll(pfds, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			break;
		}
		for (size_t i = 0; i < n; i++) {
			short re = pfds[i].revents;

			if (!re)
				continue;
			switch (refs[i].kind) {
			case K_SIG:
				self_pipe_drain();
				break;
			case K_LISTEN:
				accept_clients();
				break;
			case K_CONSOLE: {
				struct pending_exec *pe;

				/* Still pending? A reap in this round may have completed it. */
				for (pe = pending_execs; pe && pe != refs[i].ptr; pe = pe->next) {
				}
				if (pe)
					runtime_accept_console(pe->s.console_listen, &pe->res.pty);
				break;
			}
			case K_OUT:
			case K_ERR: {
				struct proc *p = refs[i].ptr;
				int fd = refs[i].kind == K_OUT ? p->out_fd : p->err_fd;

				if (fd == pfds[i].fd)
					proc_output(p, refs[i].kind == K_OUT ? STREAM_STDOUT : STREAM_STDERR);
				break;
			}
			case K_IN: {
				struct proc *p = refs[i].ptr;

				proc_flush_stdin(p);
				if (!proc_stdin_blocked(p))
					for (struct client *c = clients; c; c = c->next)
						if (c->proc == p)
							client_frames(c);
				break;
			}
			case K_CLIENT: {
				struct client *c = refs[i].ptr;

				if (c->dead)
					break;
				if (re & POLLOUT)
					client_flush(c);
				if (!c->dead && (re & (POLLIN | POLLHUP | POLLERR)))
					client_input(c);
				if (c->st == CL_CLOSING && !client_wants_out(c))
					c->dead = 1;
				break;
			}
			}
		}
	}
	free(pfds);
	free(refs);
}

/* ---- start-up ---- */

static void report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int fd, const char *fmt, ...)
{
	char buf[1500];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	for (int i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	buf[n++] = '\n';
	if (write_all(fd, buf, (size_t)n) < 0) {
	}
	close(fd);
}

static int parent(int rfd)
{
	char line[2048];
	size_t got = 0;
	ssize_t n;

	while (got + 1 < sizeof(line) && (n = read(rfd, line + got, sizeof(line) - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = 0;
	if (!memchr(line, '\n', got)) {
		printf("error shim exited before reporting\n");
		return 1;
	}
	*strchr(line, '\n') = 0;
	printf("%s\n", line);
	fflush(stdout);
	return strncmp(line, "ok ", 3) == 0 ? 0 : 1;
}

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
	int rp[2], devnull, rfd;
	struct proc_stdio s;
	struct runtime_call call;
	struct runtime_result res;
	char pid_file[4096], console[4096];
	char **rargv;
	pid_t pid;
	int n;

	if (cli_parse(argc, argv, &opts, err, sizeof(err)) < 0) {
		printf("error %s\n", err);
		return 1;
	}
	g_container_id = opts.id;
	if (mkdir_p(opts.state_dir, 0700) < 0) {
		printf("error create state dir %s: %s\n", opts.state_dir, strerror(errno));
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
		n = parent(rp[0]);
		cli_free(&opts);
		return n;
	}

	/* The shim proper. */
	close(rp[0]);
	setsid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		report(rp[1], "error set child subreaper: %s", strerror(errno));
		_exit(1);
	}
	signal(SIGPIPE, SIG_IGN);
	devnull = open("/dev/null", O_RDWR);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0) {
		report(rp[1], "error /dev/null: %s", strerror(errno));
		_exit(1);
	}
	if (dup2(rp[1], 3) < 0) {
		report(rp[1], "error dup: %s", strerror(errno));
		_exit(1);
	}
	rfd = 3;
	set_cloexec(rfd);
	/* Inherited descriptors would keep the daemon's pipes open and leak into the container. */
	if (close_range(4, ~0U, 0) < 0)
		for (int fd = 4; fd < 65536; fd++)
			close(fd);
	openlog("berth-shim", LOG_PID, LOG_DAEMON);
	if (chdir(opts.state_dir) < 0) {
		report(rfd, "error chdir %s: %s", opts.state_dir, strerror(errno));
		_exit(1);
	}
	n = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (write_file_atomic(opts.state_dir, "shim.pid", buf, (size_t)n) < 0) {
		report(rfd, "error write shim.pid: %s", strerror(errno));
		_exit(1);
	}
	sig_fd = self_pipe_init();
	listen_fd = ctrl_listen("shim.sock");
	if (sig_fd < 0 || listen_fd < 0) {
		cleanup_files();
		report(rfd, "error listen %s/shim.sock: %s", opts.state_dir, strerror(errno));
		_exit(1);
	}
	if (crilog_open(&crilog, opts.log_path, opts.log_max_size, opts.log_max_files) < 0) {
		cleanup_files();
		report(rfd, "error open log %s: %s", opts.log_path, strerror(errno));
		_exit(1);
	}
	snprintf(pid_file, sizeof(pid_file), "%s/pid", opts.state_dir);
	snprintf(console, sizeof(console), "%s/console.sock", opts.state_dir);
	if ((opts.terminal ? stdio_console(&s, console) : stdio_pipes(&s, opts.stdin_open)) < 0) {
		cleanup_files();
		report(rfd, "error container stdio: %s", strerror(errno));
		_exit(1);
	}
	rargv = runtime_create_argv(&opts, pid_file, opts.terminal ? console : NULL);
	call = (struct runtime_call){.in = s.rt_in, .out = s.rt_out, .err = s.rt_err,
				     .console_listen = s.console_listen, .err_capture = s.err_capture,
				     .pid_file = pid_file};
	if (!rargv || runtime_run(&opts, rargv, &call, &res) < 0) {
		log_error("create failed: %s", rargv ? res.err : "out of memory");
		/* Files go first: once the answer is out, the daemon may look at the state dir. */
		cleanup_files();
		/* "create: " marks the runtime's own refusal, as opposed to a failure of the shim. */
		report(rfd, "error %s%s", rargv ? "create: " : "", rargv ? res.err : "out of memory");
		runtime_argv_free(rargv);
		stdio_close_all(&s);
		crilog_close(&crilog);
		cli_free(&opts);
		closelog();
		_exit(1);
	}
	runtime_argv_free(rargv);
	stdio_close_runtime_side(&s);
	init_proc = proc_new(res.pid, 0, opts.terminal, &s, res.pty);
	stdio_close_all(&s);
	if (!init_proc) {
		report(rfd, "error out of memory");
		_exit(1);
	}
	oom_watch_init(&oom, res.pid);
	log_info("container created: pid %d", res.pid);
	report(rfd, "ok %d %d", res.pid, getpid());

	loop();

	pending_exec_free_all();
	for (struct client *c = clients, *next; c; c = next) {
		next = c->next;
		client_free(c);
	}
	while (procs) {
		struct proc *p = procs;

		procs = p->next;
		xclose(&p->out_fd);
		xclose(&p->err_fd);
		proc_close_stdin(p);
		if (p != init_proc)
			free(p);
	}
	free(init_proc);
	crilog_close(&crilog);
	oom_watch_free(&oom);
	close(listen_fd);
	unlink("shim.sock");
	log_info("shim exiting");
	closelog();
	cli_free(&opts);
	return 0;
}
