#include "exit.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "util.h"

int exit_code_of(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

size_t exit_format(char *buf, size_t cap, int st, int cgroup_oom_kill, const char *finished_at)
{
	/* The OOM killer kills with SIGKILL. A kill in the cgroup while the init ended otherwise was of another
	 * process (an exec, a child the init survived): the init was not OOM-killed, as containerd and CRI-O
	 * also require the init's SIGKILL. */
	int oom = cgroup_oom_kill && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	int n = snprintf(buf, cap, "{\"exitCode\":%d,\"signal\":%d,\"oomKilled\":%s,\"finishedAt\":\"%s\"}\n",
			 exit_code_of(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0, oom ? "true" : "false", finished_at);

	return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

int exit_write(const char *state_dir, const char *json, size_t len)
{
	return write_file_atomic(state_dir, "exit", json, len);
}
