/* Diagnostics of the shim itself: syslog only (its stdio is /dev/null), every line tagged with the
 * container id so that one host log can be read per container. */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H
#include <syslog.h>

extern const char *g_container_id;

#define LOG_AT(level, tag, fmt, ...) \
	syslog(level, "%s [%s] " fmt, tag, g_container_id ? g_container_id : "-", ##__VA_ARGS__)
#define log_error(fmt, ...) LOG_AT(LOG_ERR, "error", fmt, ##__VA_ARGS__)
#define log_warn(fmt, ...) LOG_AT(LOG_WARNING, "warn", fmt, ##__VA_ARGS__)
#define log_info(fmt, ...) LOG_AT(LOG_INFO, "info", fmt, ##__VA_ARGS__)
#define log_debug(fmt, ...) LOG_AT(LOG_DEBUG, "debug", fmt, ##__VA_ARGS__)

#endif
