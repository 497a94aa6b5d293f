#!/usr/bin/env bun
/**
 * The smallest streamable HTTP MCP server, for `mcp-op proxy`'s benchmark (what minimal-server.c
 * is for stdio): POST /mcp answers `initialize` (with a session id), `ping`, and `big` (a 1 MiB
 * result) as application/json, notifications with 202; GET (the optional stream) 405, DELETE
 * 200. A request without `Authorization: Bearer $BENCH_TOKEN` gets 401, so the bridge's headers
 * are on the measured path. Prints its port on stdout.
 */
const token = process.env.BENCH_TOKEN ?? "";
const big = "x".repeat(1 << 20);
const session = crypto.randomUUID();

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    if (req.headers.get("authorization") !== `Bearer ${token}`) return new Response("unauthorized", { status: 401 });
    if (req.method === "GET") return new Response(null, { status: 405 });
    if (req.method === "DELETE") return new Response(null, { status: 200 });
    const message = (await req.json()) as {
      id?: number | string;
      method?: string;
      params?: { protocolVersion?: string };
    };
    if (message.id === undefined) return new Response(null, { status: 202 });
    const result =
      message.method === "initialize"
        ? {
            protocolVersion: message.params?.protocolVersion ?? "2025-06-18",
            capabilities: {},
            serverInfo: { name: "bench-http", version: "0" },
          }
        : message.method === "big"
          ? { data: big }
          : {};
    return Response.json(
      { jsonrpc: "2.0", id: message.id, result },
      { headers: message.method === "initialize" ? { "mcp-session-id": session } : {} },
    );
  },
});
console.log(server.port);
