/* bench/viewfs.sh's many-containers load: N forked readers, reader i in the v1 cgroups PREFIXi (which
 * the script made with a memory limit of BASE+i MiB and 1 CPU for even i, 2 for odd i), each reading
 * the bound view files in turn every INTERVAL ms for SECONDS. Checks every MemTotal and cpu online
 * list against its own cgroup's limits, so views never leak between containers.
 * Usage: viewfs-scale V1ROOT PREFIX N SECONDS INTERVAL_MS BASE_MIB
 * Prints reads, failed reads and wrong values; exits 1 unless the last two are 0. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static const char *controllers[] = {"memory", "cpu", "cpuacct", "cpuset", "pids"};
static const char *files[] = {"/proc/meminfo", "/sys/devices/system/cpu/online", "/proc/cpuinfo", "/proc/stat",
                              "/proc/uptime", "/proc/loadavg"};
#define NFILES (sizeof files / sizeof files[0])

struct tally { long reads, failed, wrong; };

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int join(const char *root, const char *prefix, int i) {
  for (size_t c = 0; c < sizeof controllers / sizeof controllers[0]; c++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s%d/cgroup.procs", root, controllers[c], prefix, i);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) != 0) { perror(path); return -1; }
  }
  return 0;
}

static void reader(int i, int seconds, int interval_ms, long base_mib, struct tally *t) {
  static char buf[1 << 16];
  char want_mem[64], want_online[8];
  snprintf(want_mem, sizeof want_mem, "MemTotal:%*ld kB\n", 16 - 9 + 8, (base_mib + i) * 1024);
  snprintf(want_online, sizeof want_online, i % 2 ? "0-1\n" : "0\n");
  long end = now_ns() + seconds * 1000000000L;
  struct timespec pause = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
  for (long k = 0; now_ns() < end; k++) {
    const char *path = files[k % NFILES];
    int fd = open(path, O_RDONLY);
    long total = 0, n = -1;
    if (fd >= 0) {
      while ((n = read(fd, buf + total, sizeof buf - 1 - total)) > 0) total += n;
      close(fd);
    }
    t->reads++;
    if (fd < 0 || n < 0 || total == 0) { t->failed++; continue; }
    buf[total] = 0;
    if ((k % NFILES == 0 && strncmp(buf, want_mem, strlen(want_mem)) != 0) ||
        (k % NFILES == 1 && strcmp(buf, want_online) != 0)) {
      if (t->wrong++ == 0) fprintf(stderr, "reader %d: %s begins %.40s\n", i, path, buf);
    }
    nanosleep(&pause, NULL);
  }
}

int main(int argc, char **argv) {
  if (argc != 7) { fprintf(stderr, "usage: viewfs-scale V1ROOT PREFIX N SECONDS INTERVAL_MS BASE_MIB\n"); return 2; }
  const char *root = argv[1], *prefix = argv[2];
  int n = atoi(argv[3]), seconds = atoi(argv[4]), interval = atoi(argv[5]);
  long base = atol(argv[6]);
  int fds[2];
  if (pipe(fds)) return 1;
  for (int i = 0; i < n; i++) if (fork() == 0) {
    struct tally t = {0, 0, 0};
    if (join(root, prefix, i) != 0) _exit(1);
    reader(i, seconds, interval, base, &t);
    if (write(fds[1], &t, sizeof t) != sizeof t) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  struct tally all = {0, 0, 0}, t;
  int done = 0, status, failed = 0;
  while (read(fds[0], &t, sizeof t) == sizeof t) { all.reads += t.reads; all.failed += t.failed; all.wrong += t.wrong; done++; }
  while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  printf("%d readers in %d cgroups, %d s: %ld reads, %ld failed, %ld wrong values, %d readers lost\n", n, n, seconds,
         all.reads, all.failed, all.wrong, n - done);
  return failed || done != n || all.failed || all.wrong ? 1 : 0;
}
