#ifndef BERTH_CLI_H
#define BERTH_CLI_H
#include <stdbool.h>

struct shim_opts {
	const char *id;
	char *bundle;       /* absolute */
	char *state_dir;    /* absolute */
	char *runtime;
	char *runtime_root; /* absolute or NULL */
	bool systemd_cgroup;
	char *log_path;     /* absolute */
	long long log_max_size; /* 0: never rotate */
	int log_max_files;      /* files kept including the live one, >= 1 */
	bool terminal;
	bool stdin_open;
	bool kill_all_on_exit; /* the container shares a pid namespace: its init's exit does not end the rest */
};

/* Parses argv into o; on a usage error writes a message into err and returns -1. */
int cli_parse(int argc, char **argv, struct shim_opts *o, char *err, unsigned errlen);
void cli_free(struct shim_opts *o);

#endif
