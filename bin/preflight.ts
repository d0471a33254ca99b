/**
 * `npm start` and `npm test` run this first (prestart / pretest): see local/prerequisites.ts.
 */
import { preflight } from '../local/prerequisites.ts';

const purpose = process.argv[2];
if (purpose !== 'start' && purpose !== 'test') {
  console.error('usage: tsx bin/preflight.ts start|test');
  process.exit(2);
}
process.exit(preflight(purpose));
