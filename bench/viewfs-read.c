/* bench/viewfs.sh's reader: open + read to EOF + close of each file in a loop, one reader or N forked
 * readers at once. Usage: viewfs-read LABEL READERS READS FILE...
 * One reader prints mean/p50/p99 µs per read; N readers the mean per read per reader and the reads/s
 * of all of them. Exits 1 on any failed or empty read. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static char buf[1 << 16];

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static long once(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) { perror(path); exit(1); }
  long total = 0, n;
  while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
  if (n < 0 || total == 0) { fprintf(stderr, "%s: %s\n", path, n < 0 ? "read failed" : "empty"); exit(1); }
  close(fd);
  return total;
}

static int cmp(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: viewfs-read LABEL READERS READS FILE...\n"); return 2; }
  const char *label = argv[1];
  int conc = atoi(argv[2]), reads = atoi(argv[3]);
  for (int a = 4; a < argc; a++) {
    const char *path = argv[a];
    for (int i = 0; i < 2000; i++) once(path); /* warm-up, also for the servers' JIT */
    if (conc <= 1) {
      long *lat = malloc(sizeof(long) * reads), bytes = 0, t0 = now_ns();
      for (int i = 0; i < reads; i++) { long s = now_ns(); bytes = once(path); lat[i] = now_ns() - s; }
      double mean = (now_ns() - t0) / 1e3 / reads;
      qsort(lat, reads, sizeof(long), cmp);
      printf("%-8s %-31s 1 reader   mean %7.1f us  p50 %7.1f  p99 %8.1f  (%ld bytes)\n", label, path, mean,
             lat[reads / 2] / 1e3, lat[reads * 99 / 100] / 1e3, bytes);
      free(lat);
      continue;
    }
    int fds[2];
    if (pipe(fds)) return 1;
    long t0 = now_ns();
    for (int c = 0; c < conc; c++) if (fork() == 0) {
      long s = now_ns();
      for (int i = 0; i < reads; i++) once(path);
      long ns = now_ns() - s;
      if (write(fds[1], &ns, sizeof ns) != sizeof ns) _exit(1);
      _exit(0);
    }
    close(fds[1]);
    double sum = 0;
    long ns;
    int done = 0, status, failed = 0;
    while (read(fds[0], &ns, sizeof ns) == sizeof ns) { sum += ns; done++; }
    while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    close(fds[0]);
    if (failed || done != conc) { fprintf(stderr, "%s: a reader failed\n", path); return 1; }
    double wall = (now_ns() - t0) / 1e9;
    printf("%-8s %-31s %d readers mean %7.1f us per read per reader, %8.0f reads/s in all\n", label, path, conc,
           sum / conc / 1e3 / reads, (double)conc * reads / wall);
  }
  return 0;
}
