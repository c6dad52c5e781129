/**
 * The scripted OpenAI-compatible server in its own process, so its CPU (token counting, simulated
 * answers) is not charged to the process being measured: `tsx testing/scripted-server-process.ts <latencyMs>`.
 * Prints its baseURL; each "stats" line on stdin gets one JSON line back: chat requests so far and
 * the most that were ever in flight at once; "reset" starts both afresh.
 */
import { createInterface } from 'node:readline';
import { startScriptedServer } from '../llm/simulator/scripted-server.js';

const server = await startScriptedServer({ latencyMs: Number(process.argv[2] ?? 0) });
let dropped = 0;
// Bodies are kept for tests; a bench of thousands of calls needs only the counts.
setInterval(() => {
  dropped += server.requests.length;
  server.requests.length = 0;
  server.answered.length = 0;
}, 10_000).unref();
process.stdout.write(`${server.baseURL}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'stats') process.stdout.write(`${JSON.stringify({ requests: dropped + server.requests.length, maxInFlight: server.maxInFlight })}\n`);
  if (line.trim() === 'reset') {
    dropped = 0;
    server.reset();
  }
}
await server.close();
