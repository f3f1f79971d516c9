#define _GNU_SOURCE
#include "oom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* Finds the mount point and root of the memory hierarchy (v1) or of cgroup2 (v2). */
static int find_mount(int v2, char *mnt, size_t mntcap, char *root, size_t rootcap)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
		char r[1024], m[1024], fstype[64], super[1024];
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", r, m) != 2)
			continue;
		if (sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
			continue;
		if (v2 ? strcmp(fstype, "cgroup2") == 0
		       : (strcmp(fstype, "cgroup") == 0 && (strstr(super, ",memory") || !strncmp(super, "memory", 6)))) {
			snprintf(mnt, mntcap, "%s", m);
			snprintf(root, rootcap, "%s", r);
			found = 1;
		}
	}
	free(line);
	fclose(f);
	return found;
}

static char *counter_path(int pid)
{
	char path[64], buf[8192], mnt[1024], root[1024], *res = NULL;
	char *save = NULL;
	char v1[2048] = "", v2[2048] = "";
	int have_v1 = 0, have_v2 = 0;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = 0;
		if (!strcmp(c1 + 1, "")) {
			snprintf(v2, sizeof(v2), "%s", c2 + 1);
			have_v2 = 1;
		} else {
			char ctrls[256];
			char *s2 = NULL;

			snprintf(ctrls, sizeof(ctrls), "%s", c1 + 1);
			for (char *t = strtok_r(ctrls, ",", &s2); t; t = strtok_r(NULL, ",", &s2))
				if (!strcmp(t, "memory")) {
					snprintf(v1, sizeof(v1), "%s", c2 + 1);
					have_v1 = 1;
				}
		}
	}
	/* A memory controller in v1 wins (hybrid hosts keep cgroup2 without memory). */
	if (have_v1 && find_mount(0, mnt, sizeof(mnt), root, sizeof(root))) {
		const char *rel = v1;
		size_t rl = strlen(root);

		if (strcmp(root, "/") && !strncmp(rel, root, rl))
			rel += rl;
		if (asprintf(&res, "%s%s/memory.oom_control", mnt, rel) < 0)
			res = NULL;
	} else if (have_v2 && find_mount(1, mnt, sizeof(mnt), root, sizeof(root))) {
		const char *rel = v2;
		size_t rl = strlen(root);

		if (strcmp(root, "/") && !strncmp(rel, root, rl))
			rel += rl;
		if (asprintf(&res, "%s%s/memory.events", mnt, rel) < 0)
			res = NULL;
	}
	return res;
}

static long long read_counter(const char *path)
{
	char buf[1024];
	char *p;

	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, "oom_kill ", 9))
			return atoll(p + 9);
	}
	return -1;
}

void oom_watch_init(struct oom_watch *w, int pid)
{
	w->counter_path = counter_path(pid);
	w->start = w->counter_path ? read_counter(w->counter_path) : -1;
	if (w->start < 0)
		log_warn("no oom_kill counter for pid %d (%s): OOM kills will not be reported", pid,
			 w->counter_path ? w->counter_path : "cgroup not found");
	else
		log_debug("oom counter %s = %lld", w->counter_path, w->start);
}

int oom_watch_killed(struct oom_watch *w)
{
	long long now;

	if (!w->counter_path || w->start < 0)
		return 0;
	now = read_counter(w->counter_path);
	return now > w->start;
}

void oom_watch_free(struct oom_watch *w)
{
	free(w->counter_path);
	w->counter_path = NULL;
}
