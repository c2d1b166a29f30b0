// The host side of an agent's network allow-list: an HTTP proxy on a Unix socket (in the agent's
// temp dir) that lets through CONNECT tunnels and plain HTTP requests to allowed domains only and
// answers 403 to everything else, reporting each refusal so it shows in the task log.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { unlink } from 'node:fs/promises';
import { domainAllowed } from './policy';

export interface ProxyHandle {
  socket: string;
  close(): Promise<void>;
}

function splitHostPort(s: string, defPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  return { host: m?.[1] ?? s, port: Number(m?.[2] ?? defPort) };
}

export async function startProxy(
  socket: string,
  domains: string[],
  onDeny: (host: string, port: number) => void,
): Promise<ProxyHandle> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('agentic-bg proxy: absolute URL expected\n');
      return;
    }
    const port = Number(url.port || 80);
    if (!domainAllowed(url.hostname, domains)) {
      onDeny(url.hostname, port);
      res.writeHead(403).end(`agentic-bg sandbox: ${url.hostname} is not in this agent's network allow-list\n`);
      return;
    }
    const up = request(
      { host: url.hostname, port, path: url.pathname + url.search, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (e) => res.writeHead(502).end(`agentic-bg proxy: ${e.message}\n`));
    req.pipe(up);
  });
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const { host, port } = splitHostPort(req.url ?? '', 443);
    if (!domainAllowed(host, domains)) {
      onDeny(host, port);
      client.end(
        `HTTP/1.1 403 Forbidden\r\n\r\nagentic-bg sandbox: ${host} is not in this agent's network allow-list\n`,
      );
      return;
    }
    const up = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => up.destroy());
  });
  await unlink(socket).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return {
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
