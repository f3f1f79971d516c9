/*
 * berth-viewfs-remount PID SOURCE TARGET [SOURCE TARGET]...
 *
 * Puts fresh bind mounts of a restarted berth-viewfs into the mount namespace of PID, in place of
 * the dead ones its previous instance left there (every read of those fails with ENOTCONN).
 * SOURCE is a path in the caller's mount namespace (a file of the new FUSE mount), TARGET a path
 * as PID sees it (relative to PID's root directory). berth-viewfs runs this once per namespace.
 *
 * C and single-threaded because setns(CLONE_NEWNS) refuses a multi-threaded caller (a JVM).
 * The clones are made with open_tree(OPEN_TREE_CLONE) before setns, while SOURCE is still
 * reachable; after setns each is moved beneath the dead mount and the dead one detached, so a
 * reader never falls through to the real /proc file (host values) in between. Kernels without
 * MOVE_MOUNT_BENEATH (before 6.5) detach first and then move, leaving that window open for a
 * few microseconds.
 *
 * Exit status: 0 all replaced, 1 some target failed (each failure printed, the rest still done),
 * 2 usage, 3 the namespace could not be entered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mount.h>

#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200
#endif

static const char *prog = "berth-viewfs-remount";

static int open_tree_clone(const char *path)
{
    return (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
}

static int move_mount_fd(int fd, const char *target, unsigned int flags)
{
    return (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH | flags);
}

/* Read-only as the container's own bind mounts are; nosuid/nodev/noexec cost nothing on these files. */
static int make_read_only(int fd)
{
    struct mount_attr attr = {
        .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
    };
    return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr));
}

static int replace(long pid, int fd, const char *target)
{
    if (move_mount_fd(fd, target, MOVE_MOUNT_BENEATH) == 0) {
        if (umount2(target, MNT_DETACH) != 0) {
            fprintf(stderr, "%s: pid %ld: detach dead mount %s: %s\n", prog, pid, target, strerror(errno));
            return -1;
        }
        return 0;
    }
    /* EINVAL: no dead mount on top to go beneath (already gone), or a kernel without BENEATH */
    if (errno != EINVAL) {
        fprintf(stderr, "%s: pid %ld: move mount beneath %s: %s\n", prog, pid, target, strerror(errno));
        return -1;
    }
    if (umount2(target, MNT_DETACH) != 0 && errno != EINVAL) {
        fprintf(stderr, "%s: pid %ld: detach dead mount %s: %s\n", prog, pid, target, strerror(errno));
        return -1;
    }
    if (move_mount_fd(fd, target, 0) != 0) {
        fprintf(stderr, "%s: pid %ld: move mount to %s: %s\n", prog, pid, target, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc % 2 != 0) {
        fprintf(stderr, "usage: %s PID SOURCE TARGET [SOURCE TARGET]...\n", prog);
        return 2;
    }
    char *end;
    errno = 0;
    long pid = strtol(argv[1], &end, 10);
    if (errno != 0 || *end != '\0' || pid <= 0) {
        fprintf(stderr, "%s: bad pid '%s'\n", prog, argv[1]);
        return 2;
    }
    int pairs = (argc - 2) / 2;
    int *clones = calloc((size_t)pairs, sizeof(int));
    if (clones == NULL) {
        fprintf(stderr, "%s: pid %ld: out of memory\n", prog, pid);
        return 3;
    }
    int failed = 0;
    for (int i = 0; i < pairs; i++) {
        const char *source = argv[2 + 2 * i];
        clones[i] = open_tree_clone(source);
        if (clones[i] < 0) {
            fprintf(stderr, "%s: pid %ld: clone %s: %s\n", prog, pid, source, strerror(errno));
            failed = 1;
        } else if (make_read_only(clones[i]) != 0) {
            fprintf(stderr, "%s: pid %ld: make %s read-only: %s\n", prog, pid, source, strerror(errno));
            close(clones[i]);
            clones[i] = -1;
            failed = 1;
        }
    }

    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof(path), "/proc/%ld/root", pid);
    /* TARGETs are as PID sees them: its root may be a chroot below the namespace's root */
    int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (ns < 0 || root < 0) {
        fprintf(stderr, "%s: pid %ld: open %s: %s\n", prog, pid, ns < 0 ? "mount namespace" : "root", strerror(errno));
        return 3;
    }
    if (setns(ns, CLONE_NEWNS) != 0) {
        fprintf(stderr, "%s: pid %ld: enter mount namespace: %s\n", prog, pid, strerror(errno));
        return 3;
    }
    if (fchdir(root) != 0 || chroot(".") != 0) {
        fprintf(stderr, "%s: pid %ld: enter root: %s\n", prog, pid, strerror(errno));
        return 3;
    }
    for (int i = 0; i < pairs; i++) {
        if (clones[i] >= 0 && replace(pid, clones[i], argv[3 + 2 * i]) != 0) {
            failed = 1;
        }
    }
    return failed;
}
