#ifndef BERTH_SELF_PIPE_H
#define BERTH_SELF_PIPE_H
/* SIGCHLD is turned into bytes on a non-blocking pipe so the poll loop sees them. */
int self_pipe_init(void);          /* returns the read end */
void self_pipe_drain(void);
#endif
