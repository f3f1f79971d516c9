#ifndef BERTH_EXIT_H
#define BERTH_EXIT_H
#include <stddef.h>

/* The exit record: {"exitCode":N,"signal":S,"oomKilled":B,"finishedAt":"RFC3339Nano"}\n.
 * exitCode is the exit status, or 128+signal when a signal killed the process. oomKilled: SIGKILL killed it
 * and cgroup_oom_kill says the OOM killer killed in its cgroup during the run. */
size_t exit_format(char *buf, size_t cap, int wait_status, int cgroup_oom_kill, const char *finished_at);
int exit_code_of(int wait_status);
/* Writes STATE/exit atomically. */
int exit_write(const char *state_dir, const char *json, size_t len);
#endif
