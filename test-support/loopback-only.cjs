// Every test process may only connect to loopback: a regression in the SSRF checks (or a test
// mistake) must fail a test, never send a packet to a private, metadata or public address.
'use strict';
const net = require('node:net');

const original = net.Socket.prototype.connect;
const isLoopback = (host) =>
  host === undefined || host === 'localhost' || /^127\./.test(host) || host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./i.test(host);

net.Socket.prototype.connect = function connect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (options.path === undefined && !isLoopback(options.host)) {
    const error = Object.assign(new Error(`test network guard: refused a connection to ${options.host}:${options.port}`), { code: 'ETESTGUARD' });
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return original.apply(this, args);
};
