// The recipe's service: answers every request with JSON {hostname, random, arch} and logs it.
// arch is Node's name for the CPU it runs on (x64, arm64): which image of a multi-platform tag answered.
'use strict';

const http = require('node:http');
const os = require('node:os');

const port = Number.parseInt(process.env.PORT || '8080', 10);

const server = http.createServer((request, response) => {
  const started = process.hrtime.bigint();
  const body = JSON.stringify({ hostname: os.hostname(), random: Math.random(), arch: os.arch() });
  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // One JSON line per request on stdout, so `docker logs` and log collectors can parse it.
  console.log(JSON.stringify({
    time: new Date().toISOString(),
    method: request.method,
    path: request.url,
    status: response.statusCode,
    ms: Number(ms.toFixed(3)),
    remote: request.socket.remoteAddress,
  }));
});

server.listen(port, () => {
  console.log(JSON.stringify({ time: new Date().toISOString(), msg: `listening on ${server.address().port}` }));
});

// As PID 1 in a container node gets no default signal handlers: stop cleanly on docker stop.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(JSON.stringify({ time: new Date().toISOString(), msg: `${signal}, shutting down` }));
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
