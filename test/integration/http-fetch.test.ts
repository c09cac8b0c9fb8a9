import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createHttpFetch } from '../../src/adapters/openai/http-fetch';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, socket: Socket) => void;

/** A plain node:http server on loopback that counts the TCP connections it was opened. */
async function serve(handler: Handler): Promise<{ url: string; connections: () => number; server: Server }> {
  let connections = 0;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => handler(req, res, Buffer.concat(parts).toString('utf8'), req.socket));
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function started(handler: Handler) {
  const served = await serve(handler);
  servers.push(served.server);
  return served;
}

describe('createHttpFetch: the model transport over node:http', () => {
  it('sends method, headers and body as given, and answers status, headers and body', async () => {
    const { url } = await started((req, res, body) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req-1' });
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, length: req.headers['content-length'], body }));
    });
    const response = await createHttpFetch()(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-x' }, body: '{"å":1}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ method: 'POST', auth: 'Bearer sk-x', length: String(Buffer.byteLength('{"å":1}')), body: '{"å":1}' });
  });

  it('keeps the connection alive: sequential requests share one socket', async () => {
    const { url, connections } = await started((_req, res) => res.end('ok'));
    const fetcher = createHttpFetch();
    for (let index = 0; index < 5; index += 1) expect(await (await fetcher(`${url}/x`, { method: 'POST', body: `${index}` })).text()).toBe('ok');
    expect(connections()).toBe(1);
  });

  it('sends a request again on a new socket when a kept-alive one turns out closed, once', async () => {
    let requests = 0;
    const { url, connections } = await started((_req, res, _body, socket) => {
      requests += 1;
      // The second request arrives on the kept-alive socket: close it unanswered, as a server
      // that timed the idle connection out at that moment does.
      if (requests === 2) return void socket.destroy();
      res.end(`answer ${requests}`);
    });
    const fetcher = createHttpFetch();
    expect(await (await fetcher(`${url}/x`, { method: 'POST', body: 'a' })).text()).toBe('answer 1');
    expect(await (await fetcher(`${url}/x`, { method: 'POST', body: 'b' })).text()).toBe('answer 3');
    expect(connections()).toBe(2);
  });

  it('does not send again when a new connection fails: the caller gets a fetch-style TypeError', async () => {
    const { url, server } = await started((_req, res) => res.end('never'));
    server.close();
    await expect(createHttpFetch()(`${url}/x`, { method: 'POST', body: 'a' })).rejects.toThrow(TypeError);
  });

  it('decodes a gzip-encoded body and drops the encoding headers', async () => {
    let accepted: string | undefined;
    const { url } = await started((req, res) => {
      accepted = req.headers['accept-encoding'];
      const zipped = gzipSync(Buffer.from('data: {"hello":"world"}\n\n'));
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': zipped.length, 'content-type': 'text/event-stream' });
      res.end(zipped);
    });
    const response = await createHttpFetch()(`${url}/x`, { method: 'POST', body: '{}' });
    expect(accepted).toContain('gzip');
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.text()).toBe('data: {"hello":"world"}\n\n');
  });

  it('an abort while the body streams ends the body with an AbortError and closes the connection', async () => {
    let serverSawClose = false;
    const { url } = await started((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      res.on('close', () => {
        serverSawClose = !res.writableFinished;
      });
    });
    const controller = new AbortController();
    const response = await createHttpFetch()(`${url}/x`, { method: 'POST', body: '{}', signal: controller.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n');
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(serverSawClose).toBe(true);
  });

  it('an abort before the answer rejects with the signal\'s reason and sends nothing once aborted', async () => {
    let requests = 0;
    const { url } = await started(() => {
      requests += 1;
    });
    const controller = new AbortController();
    const pending = createHttpFetch()(`${url}/x`, { method: 'POST', body: '{}', signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(createHttpFetch()(`${url}/x`, { method: 'POST', body: '{}', signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(requests).toBe(1);
  });

  it('answers 204 with an empty body', async () => {
    const { url } = await started((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const response = await createHttpFetch()(`${url}/x`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });
});
