#ifndef BERTH_SHIM_H
#define BERTH_SHIM_H
/* What every part of the shim shares, set up once by main.c: its options, the container's CRI log and the
 * OOM watch of its cgroup. */
#include "cli.h"
#include "logging.h"
#include "oom.h"

extern struct shim_opts g_opts;
extern struct crilog g_crilog;
extern struct oom_watch g_oom;
#endif
