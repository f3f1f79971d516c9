/*
 * sysinfo-notify LISTENER N [--stay]: the time of sysinfo(2), real and then answered by berth-viewfs through seccomp
 * user notification, as a container's call is. It measures N real calls, then installs a filter that sends
 * sysinfo to a listener (SECCOMP_RET_USER_NOTIF), hands the listener's descriptor to LISTENER (the
 * berth-viewfs-notify socket) the way runc does at create (the state JSON with the descriptor, SCM_RIGHTS),
 * and measures N notified calls; each notified call is checked to be answered (no error). Prints per mode:
 * mean / p50 / p99 in ns and the answered totalram; and, for scale, one round trip between two processes
 * (a byte through a pipe and back), the least any answer from another process costs. With --stay it then
 * waits for a signal, its filter still in place (shim/c/test/viewfs-notify-test.sh). Run it in a container's cgroup to get the view's answer
 * (bench/sysinfo-notify.sh), anywhere else to measure the host pass-through (the real syscall, CONTINUE).
 */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *mode, int n, long *t, const char *extra)
{
    long sum = 0;
    for (int i = 0; i < n; i++) {
        sum += t[i];
    }
    qsort(t, n, sizeof(long), cmp);
    printf("%-10s mean %7ld ns  p50 %7ld ns  p99 %7ld ns%s\n", mode, sum / n, t[n / 2], t[n * 99 / 100], extra);
}

static void round_trips(int n, long *t)
{
    int there[2], back[2];
    char b = 0;
    if (pipe(there) != 0 || pipe(back) != 0) {
        perror("pipe");
        exit(1);
    }
    pid_t child = fork();
    if (child == 0) {
        close(there[1]);
        while (read(there[0], &b, 1) == 1 && write(back[1], &b, 1) == 1) {
        }
        _exit(0);
    }
    for (int i = 0; i < n; i++) {
        long s = ns();
        if (write(there[1], &b, 1) != 1 || read(back[0], &b, 1) != 1) {
            perror("round trip");
            exit(1);
        }
        t[i] = ns() - s;
    }
    close(there[1]);
    waitpid(child, NULL, 0);
    report("roundtrip", n, t, "");
}

static void measure(const char *mode, int n, long *t)
{
    struct sysinfo si;
    for (int i = 0; i < n; i++) {
        long s = ns();
        if (sysinfo(&si) != 0) {
            perror("sysinfo");
            exit(1);
        }
        t[i] = ns() - s;
    }
    char extra[64];
    snprintf(extra, sizeof(extra), "  totalram %lu MiB", si.totalram * si.mem_unit >> 20);
    report(mode, n, t, extra);
}

int main(int argc, char **argv)
{
    int stay = argc == 4 && strcmp(argv[3], "--stay") == 0;
    if (argc != 3 && !stay) {
        fprintf(stderr, "usage: %s LISTENER N [--stay]\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[2]);
    long *t = calloc(n, sizeof(long));
    measure("real", n, t);
    round_trips(n, t);

    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sysinfo, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (fd < 0) {
        perror("seccomp");
        return 1;
    }
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, argv[1], sizeof(a.sun_path) - 1);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("connect");
        return 1;
    }
    char state[] = "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":0,\"state\":{}}";
    struct iovec iov = {.iov_base = state, .iov_len = sizeof(state) - 1};
    char control[CMSG_SPACE(sizeof(int))];
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    if (sendmsg(s, &m, 0) < 0) {
        perror("sendmsg");
        return 1;
    }
    close(s);
    close(fd);
    measure("notified", n, t);
    fflush(stdout);
    if (stay) {
        pause();
    }
    return 0;
}
