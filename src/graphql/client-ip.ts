import type { IncomingMessage } from 'node:http';

/**
 * The client's address as Express's `trust proxy` = N computes it: the Nth address from the right
 * of X-Forwarded-For (after the socket's own), or the socket's address when no proxy is trusted.
 */
export function clientIp(req: IncomingMessage, trustProxy: number): string {
  const socketAddress = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy <= 0) return socketAddress;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((item) => item.trim()).filter(Boolean);
  const chain = [...forwarded, socketAddress];
  return chain[Math.max(0, chain.length - 1 - trustProxy)] ?? socketAddress;
}
