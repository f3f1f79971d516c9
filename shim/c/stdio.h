#ifndef BERTH_STDIO_H
#define BERTH_STDIO_H
/* The stdio of a container or exec process: pipes, or a pty whose master arrives on a console socket. */
struct proc_stdio {
	int in_w;   /* our end of stdin, or -1 */
	int out_r;  /* stdout read end, or -1 (the pty master goes here later) */
	int err_r;  /* stderr read end, or -1 */
	int rt_in, rt_out, rt_err; /* the runtime's stdio, closed once it has run */
	int console_listen;        /* -1 without a terminal */
	int err_capture;           /* where the runtime's own stderr can be read after a failure */
	char console_path[4096];
};

int stdio_pipes(struct proc_stdio *s, int with_stdin);
int stdio_console(struct proc_stdio *s, const char *path);
void stdio_close_runtime_side(struct proc_stdio *s);
void stdio_close_all(struct proc_stdio *s);
#endif
