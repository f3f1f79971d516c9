/*
 * berth-viewfs-keeper SERVER_PID FUSE_FD FSNAME HOLD_SECONDS
 *
 * Holds a duplicate of a berth-viewfs server's /dev/fuse descriptor (taken with pidfd_getfd) so that
 * the kernel does not abort the FUSE connection when that server dies: reads through its mounts
 * (containers' bind mounts) then wait instead of failing with ENOTCONN. A restarted server puts
 * its own mounts in their place and then ends this keeper with SIGTERM: closing the last descriptor
 * aborts the connection, each waiting reader gets one error (ECONNABORTED), and its next open
 * reaches the new mount. If no server ends it within HOLD_SECONDS of the death, the keeper exits by
 * itself and reads fail as they would without it.
 *
 * The process is named "viewfs-keeper" while the server lives and "viewfs-orphan" after its death:
 * a restarted server must not stat a held mount (that would wait too) and looks for orphans of its
 * FSNAME (given only to be found in the command line) instead. While the server lives only its
 * pidfd is polled: polling the FUSE descriptor would wake this process on every request.
 *
 * Exit status: 0 the server's connection ended or the hold ran out, 2 usage, 3 the descriptor
 * could not be taken.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *prog = "berth-viewfs-keeper";

static long number(const char *s, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno != 0 || *end != '\0' || v < 0 || v > max ? -1 : v;
}

/* poll() that resumes after signals it was not ended by */
static int wait_for(struct pollfd *p, int timeout_ms)
{
    int rc;
    while ((rc = poll(p, 1, timeout_ms)) < 0 && errno == EINTR) {
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s SERVER_PID FUSE_FD FSNAME HOLD_SECONDS\n", prog);
        return 2;
    }
    long pid = number(argv[1], INT_MAX);
    long target_fd = number(argv[2], INT_MAX);
    long hold = number(argv[4], INT_MAX / 1000);
    if (pid <= 0 || target_fd < 0 || hold < 0) {
        fprintf(stderr, "%s: bad SERVER_PID, FUSE_FD or HOLD_SECONDS: %s %s %s\n", prog, argv[1], argv[2], argv[4]);
        return 2;
    }
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (pidfd < 0) {
        fprintf(stderr, "%s: server %ld: pidfd_open: %s\n", prog, pid, strerror(errno));
        return 3;
    }
    int fuse = (int)syscall(SYS_pidfd_getfd, pidfd, (int)target_fd, 0);
    if (fuse < 0) {
        fprintf(stderr, "%s: server %ld: take fd %ld: %s\n", prog, pid, target_fd, strerror(errno));
        return 3;
    }
    char link[64];
    char dev[32] = "";
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fuse);
    ssize_t n = readlink(link, dev, sizeof(dev) - 1);
    dev[n < 0 ? 0 : n] = '\0';
    if (strcmp(dev, "/dev/fuse") != 0) {
        fprintf(stderr, "%s: server %ld: fd %ld is not /dev/fuse\n", prog, pid, target_fd);
        return 3;
    }
    /* outlive the server's session and terminal; SIGTERM keeps its default: end and let go */
    setsid();
    if (chdir("/") != 0) {
        fprintf(stderr, "%s: server %ld: chdir /: %s\n", prog, pid, strerror(errno));
    }
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    prctl(PR_SET_NAME, "viewfs-keeper", 0, 0, 0);

    struct pollfd server = {.fd = pidfd, .events = POLLIN};
    if (wait_for(&server, -1) < 0) {
        fprintf(stderr, "%s: server %ld: wait: %s\n", prog, pid, strerror(errno));
        return 0;
    }
    prctl(PR_SET_NAME, "viewfs-orphan", 0, 0, 0);
    /* POLLERR once the connection is gone (unmounted everywhere, or aborted) */
    struct pollfd conn = {.fd = fuse, .events = 0};
    wait_for(&conn, (int)hold * 1000);
    return 0;
}
