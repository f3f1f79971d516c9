/*
 * berth-viewfs-notify LISTENER CONTROL SLOT GRACE_SECONDS
 *
 * Holds the seccomp user-notification descriptors of containers across restarts of the view server
 * (berth-viewfs), which answers their sysinfo(2) and sched_getaffinity(2). When the last descriptor of
 * a notification filter closes, the kernel fails the notified syscalls (ENOSYS): the answering
 * process must be allowed to die, so this one, which never restarts, owns the descriptors.
 *
 * LISTENER is the socket runc connects to (linux.seccomp.listenerPath): at create it sends the
 * container's state JSON with the notification descriptor attached (SCM_RIGHTS, one sendmsg).
 * A connection that brings no such descriptor (berthd checking that this serves) is closed.
 *
 * CONTROL is where the view server connects (one at a time; a newer one replaces an older). It gets
 * text lines: "KEEPER <pid>" first, then "FD <n>" for every descriptor held, at once and whenever one
 * arrives; it takes each with pidfd_getfd(2). It writes nothing: its end closing is its death.
 *
 * After the descriptors held at its connection the server gets "READY": it may then look at SLOT.
 *
 * SLOT (a file of at least 88 bytes, made here, zeroed) is where the server receives each notification
 * (SECCOMP_IOCTL_NOTIF_RECV into its shared mapping: offset 0 the int32 number of the descriptor here,
 * offset 8 the 80-byte struct seccomp_notif) and clears the id once it answered. A server killed between
 * the two leaves a caller waiting for an answer that the kernel will not hand out again: the next server
 * answers it from SLOT (after READY). If none connects within the grace, this process answers it with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE (the real syscall), if the kernel still has it pending
 * (SECCOMP_IOCTL_NOTIF_ID_VALID).
 *
 * Without a server, callers wait GRACE_SECONDS for the next one (a restart); after that, and until a
 * server connects, this process answers every notification with CONTINUE: callers get the host's
 * values, never an error and never a hang. A descriptor is dropped when its filter has no task left
 * (POLLHUP: the container ended).
 *
 * Exit status: 0 another instance already serves LISTENER, 2 usage, 3 the sockets or SLOT cannot be made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "berth-viewfs-notify";

#define MAX_FDS 4096
#define SLOT_SIZE 4096
#define NOTIF_OFFSET 8

static int held[MAX_FDS];
static int nheld;

static long number(const char *s, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno != 0 || *end != '\0' || v < 0 || v > max ? -1 : v;
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int unix_address(const char *path, struct sockaddr_un *a)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(a->sun_path)) {
        return -1;
    }
    strcpy(a->sun_path, path);
    return 0;
}

/* A listening socket at path, or -1; 0 in *live when another process already listens there. */
static int listen_at(const char *path, int *live)
{
    struct sockaddr_un a;
    *live = 0;
    if (unix_address(path, &a) < 0) {
        fprintf(stderr, "%s: %s: path too long\n", prog, path);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof(a)) == 0) {
        close(probe);
        *live = 1;
        return -1;
    }
    if (probe >= 0) {
        close(probe);
    }
    unlink(path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    mode_t old = umask(077);
    int rc = s < 0 ? -1 : bind(s, (struct sockaddr *)&a, sizeof(a));
    umask(old);
    if (rc < 0 || listen(s, 64) < 0) {
        fprintf(stderr, "%s: listen on %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    return s;
}

/* Writes all of buf to the server; 0 when it is gone (its end closed). */
static int tell(int server, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(server, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return 0;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 1;
}

static int tell_fd(int server, int fd)
{
    char line[32];
    int n = snprintf(line, sizeof(line), "FD %d\n", fd);
    return tell(server, line, (size_t)n);
}

static int is_notify_fd(int fd)
{
    char link[64], target[64] = "";
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    target[n < 0 ? 0 : n] = '\0';
    return strcmp(target, "anon_inode:seccomp notify") == 0;
}

/*
 * One runc connection: the descriptor comes with the first bytes of the state JSON, which is read to
 * its end (runc closes after the one message) and otherwise ignored. Returns the descriptor or -1.
 */
static int take_from_runc(int conn)
{
    char data[4096];
    char control[CMSG_SPACE(sizeof(int) * 4)];
    int fd = -1;
    struct pollfd p = {.fd = conn, .events = POLLIN};
    long deadline = now_ms() + 5000;
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            break;
        }
        struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                           .msg_controllen = sizeof(control)};
        ssize_t n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        for (struct cmsghdr *c = n < 0 ? NULL : CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
                continue;
            }
            int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < count; i++) {
                int got;
                memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                if (fd < 0 && is_notify_fd(got)) {
                    fd = got;
                } else {
                    close(got);
                }
            }
        }
        if (n <= 0) {
            break;
        }
    }
    return fd;
}

/* Answers notification id of fd with "run the real syscall", if the kernel still waits for an answer. */
static void continue_pending(int fd, uint64_t id)
{
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) {
        return;
    }
    struct seccomp_notif_resp r = {.id = id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
    ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &r);
}

/* The notification a dead server had received and not answered. */
static void finish_slot(unsigned char *slot)
{
    int32_t fd;
    struct seccomp_notif n;
    memcpy(&fd, slot, sizeof(fd));
    memcpy(&n, slot + NOTIF_OFFSET, sizeof(n));
    for (int i = 0; n.id != 0 && i < nheld; i++) {
        if (held[i] == fd) {
            continue_pending(fd, n.id);
        }
    }
    memset(slot, 0, NOTIF_OFFSET + sizeof(n));
}

/* Without a server past the grace: every pending notification of fd runs the real syscall. */
static void continue_all(int fd)
{
    struct seccomp_notif n;
    memset(&n, 0, sizeof(n));
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &n) == 0) {
        continue_pending(fd, n.id);
    }
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s LISTENER CONTROL SLOT GRACE_SECONDS\n", prog);
        return 2;
    }
    long grace = number(argv[4], INT_MAX / 1000);
    if (grace < 0) {
        fprintf(stderr, "%s: bad GRACE_SECONDS: %s\n", prog, argv[4]);
        return 2;
    }
    /* one descriptor per container: as many as the hard limit allows */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    int live;
    int listener = listen_at(argv[1], &live);
    if (listener < 0) {
        return live ? 0 : 3;
    }
    int control = listen_at(argv[2], &live);
    if (control < 0) {
        fprintf(stderr, "%s: control socket %s %s\n", prog, argv[2], live ? "is served by another process" : "cannot be made");
        return 3;
    }
    int slot_fd = open(argv[3], O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    unsigned char *slot = slot_fd < 0 || ftruncate(slot_fd, SLOT_SIZE) < 0 ? MAP_FAILED
        : mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, slot_fd, 0);
    if (slot == MAP_FAILED) {
        fprintf(stderr, "%s: slot %s: %s\n", prog, argv[3], strerror(errno));
        return 3;
    }
    memset(slot, 0, SLOT_SIZE);
    /* outlive the server that started it, its session and terminal; SIGTERM keeps its default */
    setsid();
    if (chdir("/") != 0) {
        fprintf(stderr, "%s: chdir /: %s\n", prog, strerror(errno));
    }
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_NAME, "viewfs-notify", 0, 0, 0);

    int server = -1;
    long alone_since = now_ms();
    static struct pollfd p[MAX_FDS + 3];
    for (;;) {
        int answering = server < 0 && now_ms() - alone_since >= grace * 1000;
        if (answering) {
            /* what the last server left unanswered: no successor came to answer it */
            finish_slot(slot);
        }
        p[0] = (struct pollfd){.fd = listener, .events = POLLIN};
        p[1] = (struct pollfd){.fd = control, .events = POLLIN};
        p[2] = (struct pollfd){.fd = server, .events = POLLIN};
        for (int i = 0; i < nheld; i++) {
            /* with a server only POLLHUP matters: it receives the notifications */
            p[3 + i] = (struct pollfd){.fd = held[i], .events = answering ? POLLIN : 0};
        }
        int timeout = server < 0 && !answering ? (int)(grace * 1000 - (now_ms() - alone_since)) : -1;
        if (poll(p, (nfds_t)(3 + nheld), timeout) < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "%s: poll: %s\n", prog, strerror(errno));
            return 3;
        }
        /* the server's end first: its pending notification is finished before a successor receives any */
        if (server >= 0 && p[2].revents) {
            char buf[64];
            ssize_t n = recv(server, buf, sizeof(buf), MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                close(server);
                server = -1;
                alone_since = now_ms();
            }
        }
        for (int i = nheld - 1; i >= 0; i--) {
            short ev = p[3 + i].revents;
            if (ev & (POLLHUP | POLLERR | POLLNVAL)) {
                close(held[i]);
                held[i] = held[--nheld];
            } else if ((ev & POLLIN) && answering) {
                continue_all(held[i]);
            }
        }
        if (p[1].revents & POLLIN) {
            int s = accept4(control, NULL, NULL, SOCK_CLOEXEC);
            if (s >= 0) {
                if (server >= 0) {
                    /* a live predecessor may be answering into SLOT: only a dead one leaves it to this one */
                    close(server);
                }
                server = s;
                char hello[32];
                int n = snprintf(hello, sizeof(hello), "KEEPER %d\n", (int)getpid());
                int ok = tell(server, hello, (size_t)n);
                for (int i = 0; ok && i < nheld; i++) {
                    ok = tell_fd(server, held[i]);
                }
                if (ok) {
                    tell(server, "READY\n", 6);
                }
            }
        }
        if (p[0].revents & POLLIN) {
            int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
            if (conn >= 0) {
                int fd = take_from_runc(conn);
                close(conn);
                if (fd >= 0 && nheld == MAX_FDS) {
                    fprintf(stderr, "%s: %d containers already: the newest one's calls get ENOSYS\n", prog, MAX_FDS);
                    close(fd);
                } else if (fd >= 0) {
                    held[nheld++] = fd;
                    if (server >= 0) {
                        tell_fd(server, fd);
                    }
                }
            }
        }
    }
}
