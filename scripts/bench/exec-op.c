/*
 * An exec-only stand-in for `op`, for benchmarks: no interpreter start-up, so what is left is
 * the wrappers' own cost. `run` reads the env files (KEY=VALUE, quotes stripped), resolves
 * op:// values (in the files and the environment) from OP_BENCH_VAULT (lines `op://...=value`),
 * and execs the command. `signin` prints nothing (app integration), `whoami` succeeds.
 * With OP_BENCH_STAMP set, `run` appends CLOCK_REALTIME nanoseconds at entry to that file.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *resolve(const char *value) {
  static char found[4096];
  const char *vault = getenv("OP_BENCH_VAULT");
  if (strncmp(value, "op://", 5) != 0) return value;
  FILE *f = vault ? fopen(vault, "r") : NULL;
  if (!f) {
    fprintf(stderr, "[ERROR] could not read secret '%s': no vault (OP_BENCH_VAULT)\n", value);
    exit(1);
  }
  char line[4096];
  size_t n = strlen(value);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, value, n) == 0 && line[n] == '=') {
      line[strcspn(line, "\n")] = 0;
      snprintf(found, sizeof found, "%s", line + n + 1);
      fclose(f);
      return found;
    }
  }
  fclose(f);
  fprintf(stderr, "[ERROR] could not read secret '%s'\n", value);
  exit(1);
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  char *e = s + strlen(s);
  while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
  return s;
}

static void load(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "[ERROR] open %s: no such file or directory\n", path);
    exit(1);
  }
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    char *l = trim(line);
    if (!*l || *l == '#') continue;
    char *eq = strchr(l, '=');
    if (!eq) continue;
    *eq = 0;
    char *key = trim(l), *val = trim(eq + 1);
    size_t n = strlen(val);
    if (n >= 2 && (val[0] == '"' || val[0] == '\'') && val[n - 1] == val[0]) {
      val[n - 1] = 0;
      val++;
    }
    setenv(key, resolve(val), 1);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  int i = 1;
  while (i < argc && strcmp(argv[i], "--account") == 0) i += 2;
  if (i >= argc) return 0;
  const char *cmd = argv[i++];
  if (strcmp(cmd, "--version") == 0) return puts("2.32.0"), 0;
  if (strcmp(cmd, "run") != 0) return 0; /* whoami, signin, vault list: authorized */
  const char *stamp = getenv("OP_BENCH_STAMP");
  if (stamp) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    FILE *f = fopen(stamp, "a");
    if (f) fprintf(f, "%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec), fclose(f);
  }
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "--env-file") == 0 && i + 1 < argc) load(argv[++i]);
    else if (strncmp(argv[i], "--env-file=", 11) == 0) load(argv[i] + 11);
  }
  if (i >= argc - 1) return fprintf(stderr, "[ERROR] no command\n"), 1;
  /* Collect the names first: setenv may move environ while we walk it. */
  char *names[256];
  int count = 0;
  for (char **e = environ; *e && count < 256; e++) {
    char *eq = strchr(*e, '=');
    if (eq && strncmp(eq + 1, "op://", 5) == 0) names[count++] = strndup(*e, (size_t)(eq - *e));
  }
  for (int k = 0; k < count; k++) setenv(names[k], resolve(getenv(names[k])), 1);
  execvp(argv[i + 1], argv + i + 1);
  fprintf(stderr, "[ERROR] exec: \"%s\": executable file not found in $PATH\n", argv[i + 1]);
  return 1;
}
