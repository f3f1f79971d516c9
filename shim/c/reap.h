#ifndef BERTH_REAP_H
#define BERTH_REAP_H
/* Child exits: reaping (the shim is the subreaper of the container's processes and runs the runtime), then
 * finishing an exited process: its last output, for the init the exit record, and the clients told. */
#include <stddef.h>

/* The init's exit record (exit.h), set once init_done. */
extern char exit_json[256];
extern size_t exit_json_len;
extern int init_done;
/* Once init_done, the shim exits when its clients are served or at this monotonic time. */
extern long long shutdown_deadline;

/* Collects every exited child: an exec's runtime completes its exec, a process is marked exited. */
void reap(void);
/* Finishes the exited processes whose output has ended or stopped draining; returns whether one is still
 * draining (the loop comes back soon). */
int finish_exited(long long now);
#endif
