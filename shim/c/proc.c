#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "ctrl_sock.h"
#include "frames.h"
#include "log.h"
#include "protocol.h"
#include "shim.h"
#include "util.h"

#define READ_BUF (16 * 1024)
#define ORPHANS 32

struct proc *procs, *init_proc;
static struct {
	pid_t pid;
	int status;
} orphans[ORPHANS];
static int orphan_next;

struct proc *proc_new(pid_t pid, int exec_no, int tty, struct proc_stdio *s, int pty)
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

struct proc *proc_find(pid_t pid)
{
	struct proc *p;

	for (p = procs; p; p = p->next)
		if (p->pid == pid)
			break;
	return p;
}

void proc_record_orphan(pid_t pid, int status)
{
	orphans[orphan_next].pid = pid;
	orphans[orphan_next].status = status;
	orphan_next = (orphan_next + 1) % ORPHANS;
}

void proc_unlink(struct proc *p)
{
	for (struct proc **pp = &procs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
}

void proc_free_all(void)
{
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
	init_proc = NULL;
}

void proc_close_stdin(struct proc *p)
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
void proc_kill_exec(struct proc *p)
{
	if (p->exited)
		return;
	log_info("exec %d: its client is gone, killing pid %d and its process group", p->exec_no, p->pid);
	if (kill(-p->pid, SIGKILL) < 0 && kill(p->pid, SIGKILL) < 0)
		log_warn("exec %d: kill %d: %s", p->exec_no, p->pid, strerror(errno));
}

int proc_in_target(struct proc *p)
{
	return p->tty ? p->out_fd : p->in_fd;
}

int proc_stdin_blocked(struct proc *p)
{
	return p->pend_len > p->pend_off;
}

void proc_flush_stdin(struct proc *p)
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

int proc_stdin(struct proc *p, const uint8_t *d, size_t n)
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

void proc_resize(struct proc *p, const uint8_t *d, size_t n)
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

void proc_output(struct proc *p, int stream)
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
			crilog_flush(&g_crilog, stream);
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
		crilog_write(&g_crilog, stream, buf, (size_t)n);
	for (struct client *c = clients; c; c = c->next)
		if (c->st == CL_STREAM && c->proc == p)
			client_send_frame(c, stream, buf, (size_t)n);
}
