#define _GNU_SOURCE
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "frames.h"
#include "log.h"
#include "proc.h"
#include "protocol.h"
#include "reap.h"
#include "runtime.h"
#include "self_pipe.h"
#include "util.h"

enum { K_SIG, K_LISTEN, K_OUT, K_ERR, K_IN, K_CLIENT, K_CONSOLE };

struct pref {
	int kind;
	void *ptr;
};

void loop(int sig_fd, int listen_fd)
{
	struct pollfd *pfds = NULL;
	struct pref *refs = NULL;
	size_t cap = 0;

	for (;;) {
		size_t n = 0, need = 2;
		int timeout = -1, pending_out;
		long long now;

		reap();
		now = monotonic_ms();
		if (finish_exited(now))
			timeout = 50;
		pending_out = clients_drop_dead();
		if (exec_enforce_deadlines(now))
			timeout = 100;
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
				accept_clients(listen_fd);
				break;
			case K_CONSOLE: {
				struct pending_exec *pe = refs[i].ptr;

				/* Still pending? A reap in this round may have completed it. */
				if (exec_is_pending(pe))
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
