/**
 * A small HTTP proxy in front of moto, on 127.0.0.1 with a port the OS picks, for two things moto cannot do:
 *
 * - Fault injection: answer the next N KMS requests with an AWS error (ThrottlingException, a 500) in the real
 *   KMS wire shape (JSON 1.1: `{"__type": ..., "message": ...}` + `x-amzn-errortype`), without forwarding them.
 * - Wire fidelity for moto's IAM rejections: moto decides (it really checks signatures, access keys and policies when
 *   IAM authentication is on), but it answers JSON-protocol services like KMS with the Query-protocol XML error
 *   (`<ErrorResponse>…<Code>InvalidClientTokenId</Code>`, HTTP 403, text/html), which the AWS SDK cannot parse. The
 *   proxy rewrites those answers to what real KMS sends for the same rejection (HTTP 400, JSON, KMS's error names).
 *   Nothing else is touched.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An AWS error the proxy can inject. */
export type InjectedAwsFault = 'ThrottlingException' | 'InternalFailure500' | 'ServiceUnavailable503';

/** A running proxy. */
export interface AwsKmsProxy {
  /** Base URL to give the SDK instead of moto's. */
  endpoint: string;
  /** Answers the next `count` requests with `fault` instead of forwarding them. */
  failNext(count: number, fault: InjectedAwsFault): void;
  /** Requests seen per KMS operation (from `X-Amz-Target`, e.g. `ListKeys`), injected faults included. */
  calls(): Record<string, number>;
  stop(): Promise<void>;
}

/** KMS's names for moto's Query-protocol auth errors (real KMS answers bad credentials with these). */
const KMS_ERROR_FOR_MOTO_CODE: Record<string, string> = {
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  AccessDenied: 'AccessDeniedException',
};

const FAULTS: Record<InjectedAwsFault, { status: number; type: string; message: string }> = {
  ThrottlingException: { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
  InternalFailure500: { status: 500, type: 'KMSInternalException', message: 'We encountered an internal error. Please try again.' },
  ServiceUnavailable503: { status: 503, type: 'ServiceUnavailableException', message: 'Service is unavailable' },
};

/** Starts the proxy in front of `upstream` (moto's endpoint). */
export async function startAwsKmsProxy(upstream: string): Promise<AwsKmsProxy> {
  const target = new URL(upstream);
  const pending: InjectedAwsFault[] = [];
  const counts: Record<string, number> = {};

  const server: Server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? 'unknown').split('.').pop()!;
    counts[operation] = (counts[operation] ?? 0) + 1;
    const fault = pending.shift();
    if (fault) {
      req.resume();
      sendJsonError(res, FAULTS[fault].status, FAULTS[fault].type, FAULTS[fault].message);
      return;
    }
    forward(req, res, target);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    failNext(count, fault) {
      for (let i = 0; i < count; i++) pending.push(fault);
    },
    calls: () => ({ ...counts }),
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function forward(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const upstreamReq = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (upstreamRes) => {
      const isXmlAuthError = upstreamRes.statusCode === 403;
      if (!isXmlAuthError) {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      upstreamRes.on('data', (c: Buffer) => chunks.push(c));
      upstreamRes.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
        const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '';
        const kmsType = code ? KMS_ERROR_FOR_MOTO_CODE[code] : undefined;
        if (kmsType) sendJsonError(res, 400, kmsType, message);
        else {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          res.end(body);
        }
      });
    },
  );
  upstreamReq.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstreamReq);
}

function sendJsonError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
