// graphql-http's server audit, the GraphQL-over-HTTP spec's checks, against
// a running server:
//
//   node .ci/audit/audit.mjs http://127.0.0.1:PORT/graphql
//
// Prints every audit with its result and exits 1 if any MUST failed (error)
// or any SHOULD failed (warn); a failed MAY (notice) is printed, not fatal.
// Exits 2 on a fatal problem (the server cannot be reached).
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url || !URL.canParse(url)) {
  console.error('usage: node audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}

const count = { ok: 0, notice: 0, warn: 0, error: 0 };
try {
  for (const a of serverAudits({ url })) {
    // One at a time, so the log reads in the spec's order.
    const r = await a.fn();
    count[r.status]++;
    let line = `${r.status.padEnd(6)} ${r.id} ${r.name}`;
    if (r.status !== 'ok') {
      const body = await r.response.text().catch(() => '(unreadable body)');
      line += `\n       ${r.reason}: ${r.response.status} ${r.response.headers.get('content-type') ?? '(no content-type)'} ${body.slice(0, 300)}`;
    }
    console.log(line);
  }
} catch (err) {
  console.error('audit could not run:', err);
  process.exit(2);
}
console.log(`\n${count.ok} ok, ${count.notice} notices, ${count.warn} warnings, ${count.error} errors`);
process.exit(count.warn + count.error > 0 ? 1 : 0);
