#ifndef BERTH_PROC_H
#define BERTH_PROC_H
/* The process table: the container's init and its exec processes, with their output and stdin ends. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stdio.h"

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

extern struct proc *procs, *init_proc;

/* Takes the process's ends out of s (the pty master is out_fd with a terminal). NULL when out of memory. */
struct proc *proc_new(pid_t pid, int exec_no, int tty, struct proc_stdio *s, int pty);
struct proc *proc_find(pid_t pid);
/* A child reaped before it was in the table: proc_new picks up its status. */
void proc_record_orphan(pid_t pid, int status);
/* Takes p out of the table; the caller frees it (init stays allocated for its exit status). */
void proc_unlink(struct proc *p);
/* Closes every end and frees every process, init included. */
void proc_free_all(void);

void proc_close_stdin(struct proc *p);
void proc_kill_exec(struct proc *p);
/* Where stdin goes: the pty master, or the stdin pipe; -1 when closed. */
int proc_in_target(struct proc *p);
/* Earlier input is still waiting for the process to take it. */
int proc_stdin_blocked(struct proc *p);
void proc_flush_stdin(struct proc *p);
/* Returns 0 if consumed, -1 if the process is not taking input right now. */
int proc_stdin(struct proc *p, const uint8_t *d, size_t n);
/* d: "ROWS COLS" */
void proc_resize(struct proc *p, const uint8_t *d, size_t n);
/* Reads what stream has: to the CRI log (init only) and to the clients streaming p. */
void proc_output(struct proc *p, int stream);
#endif
