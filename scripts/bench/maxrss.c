/*
 * `maxrss OUT command [args...]`: run the command, wait for it, and write to OUT its exit status,
 * largest resident set in KiB, and user and system CPU time in microseconds (from wait4, so its
 * own children count too). A small process of its own forks the command: a child forked or
 * spawned by the benchmark itself would carry the benchmark's resident set into its maxrss
 * (Linux records the old address space's high-water mark at exec).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: maxrss OUT command [args...]\n");
    return 64;
  }
  pid_t pid = fork();
  if (pid < 0) return 71;
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) < 0) return 71;
#ifdef __APPLE__
  long kib = usage.ru_maxrss / 1024; /* bytes on macOS */
#else
  long kib = usage.ru_maxrss; /* KiB on Linux */
#endif
  FILE *out = fopen(argv[1], "w");
  if (!out) return 73;
  fprintf(out, "%d %ld %ld %ld\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), kib,
          (long)(usage.ru_utime.tv_sec * 1000000L + usage.ru_utime.tv_usec),
          (long)(usage.ru_stime.tv_sec * 1000000L + usage.ru_stime.tv_usec));
  fclose(out);
  return 0;
}
