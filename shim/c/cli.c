#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The shim chdirs into its state directory, so every path it keeps must be absolute. */
static char *absolute(const char *p)
{
	char cwd[PATH_MAX];
	char *r;

	if (p[0] == '/')
		return strdup(p);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (asprintf(&r, "%s/%s", cwd, p) < 0)
		return NULL;
	return r;
}

static int valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 128)
		return 0;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '-' || *c == '_' || *c == '.'))
			return 0;
	return 1;
}

int cli_parse(int argc, char **argv, struct shim_opts *o, char *err, unsigned errlen)
{
	const char *bundle = NULL, *state = NULL, *root = NULL, *logp = NULL;

	memset(o, 0, sizeof(*o));
	o->log_max_size = 10LL * 1024 * 1024;
	o->log_max_files = 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;

		if (!strcmp(a, "--id"))
			o->id = v;
		else if (!strcmp(a, "--bundle"))
			bundle = v;
		else if (!strcmp(a, "--state-dir"))
			state = v;
		else if (!strcmp(a, "--runtime"))
			o->runtime = (char *)v;
		else if (!strcmp(a, "--runtime-root"))
			root = v;
		else if (!strcmp(a, "--log-path"))
			logp = v;
		else if (!strcmp(a, "--log-max-size") || !strcmp(a, "--log-max-files")) {
			char *end;
			long long n;

			if (!v) {
				snprintf(err, errlen, "%s needs a value", a);
				return -1;
			}
			errno = 0;
			n = strtoll(v, &end, 10);
			if (errno || *end || n < 0 || (a[10] == 'f' && (n < 1 || n > 1000))) {
				snprintf(err, errlen, "bad value for %s: %s", a, v);
				return -1;
			}
			if (a[10] == 'f')
				o->log_max_files = (int)n;
			else
				o->log_max_size = n;
		} else {
			takes = 0;
			if (!strcmp(a, "--systemd-cgroup"))
				o->systemd_cgroup = true;
			else if (!strcmp(a, "--terminal"))
				o->terminal = true;
			else if (!strcmp(a, "--stdin"))
				o->stdin_open = true;
			else if (!strcmp(a, "--kill-all-on-exit"))
				o->kill_all_on_exit = true;
			else {
				snprintf(err, errlen, "unknown argument %s", a);
				return -1;
			}
		}
		if (takes) {
			if (!v) {
				snprintf(err, errlen, "%s needs a value", a);
				return -1;
			}
			i++;
		}
	}
	if (!o->id || !bundle || !state || !o->runtime || !logp) {
		snprintf(err, errlen,
			 "usage: berth-shim --id ID --bundle DIR --state-dir DIR --runtime PATH [--runtime-root DIR] "
			 "[--systemd-cgroup] --log-path FILE [--log-max-size BYTES] [--log-max-files N] [--terminal] [--stdin] "
			 "[--kill-all-on-exit]");
		return -1;
	}
	if (!valid_id(o->id)) {
		snprintf(err, errlen, "invalid container id %s", o->id);
		return -1;
	}
	o->bundle = absolute(bundle);
	o->state_dir = absolute(state);
	o->log_path = absolute(logp);
	o->runtime_root = root ? absolute(root) : NULL;
	o->runtime = strdup(o->runtime);
	if (!o->bundle || !o->state_dir || !o->log_path || (root && !o->runtime_root) || !o->runtime) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void cli_free(struct shim_opts *o)
{
	free(o->bundle);
	free(o->state_dir);
	free(o->log_path);
	free(o->runtime_root);
	free(o->runtime);
}
