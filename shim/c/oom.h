#ifndef BERTH_OOM_H
#define BERTH_OOM_H
/* OOM detection by the memory cgroup's oom_kill counter (v1 memory.oom_control, v2 memory.events),
 * read when the container is created and again when it exits. */
struct oom_watch {
	char *counter_path; /* NULL when the cgroup or counter was not found */
	long long start;
};

void oom_watch_init(struct oom_watch *w, int pid);
/* 1 if the counter grew since oom_watch_init, else 0. */
int oom_watch_killed(struct oom_watch *w);
void oom_watch_free(struct oom_watch *w);
#endif
