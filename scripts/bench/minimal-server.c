/*
 * The smallest stdio MCP server worth measuring against: answers `initialize`, `ping` and
 * `big` (a 1 MiB string result) one JSON-RPC line at a time, ignores notifications, exits on
 * EOF. Compiled with cc by bench.ts, so its own start-up is about a millisecond.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *big;

/* Copy the raw JSON value of "id" (number or string) into out; 0 when there is none. */
static int find_id(const char *line, char *out, size_t cap) {
  const char *p = strstr(line, "\"id\"");
  if (!p) return 0;
  p = strchr(p + 4, ':');
  if (!p) return 0;
  p++;
  while (*p == ' ') p++;
  size_t n = 0;
  if (*p == '"') {
    out[n++] = *p++;
    while (*p && *p != '"' && n < cap - 2) out[n++] = *p++;
    out[n++] = '"';
  } else {
    while (*p && *p != ',' && *p != '}' && n < cap - 1) out[n++] = *p++;
  }
  out[n] = 0;
  return 1;
}

int main(void) {
  static char line[1 << 16];
  char id[128];
  big = malloc((1 << 20) + 1);
  memset(big, 'x', 1 << 20);
  big[1 << 20] = 0;
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  while (fgets(line, sizeof line, stdin)) {
    if (!find_id(line, id, sizeof id)) continue; /* a notification */
    if (strstr(line, "\"initialize\"")) {
      printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
             "\"serverInfo\":{\"name\":\"minimal\",\"version\":\"0\"}}}\n", id);
    } else if (strstr(line, "\"big\"")) {
      printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"data\":\"%s\"}}\n", id, big);
    } else {
      printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{}}\n", id);
    }
    fflush(stdout);
  }
  return 0;
}
