// Closed-loop search load from the official Milvus Node SDK, for comparison with
// the drill's own search rate: CONCURRENCY searches in flight for SECONDS against
// an existing, loaded collection. Prints one JSON line: {searches, failed, seconds,
// per_s}. Usage: node search_load.mjs HOST:PORT COLLECTION DIM SECONDS CONCURRENCY
import { MilvusClient } from '@zilliz/milvus2-sdk-node';

const [address, collection, dimText, secondsText, concText] = process.argv.slice(2);
const dim = Number(dimText), seconds = Number(secondsText), concurrency = Number(concText);
const client = new MilvusClient({ address });
await client.connectPromise;
const vector = Array.from({ length: dim }, (_, i) => (i % 7) / 7);
let searches = 0, failed = 0;
const until = Date.now() + seconds * 1000;
async function loop() {
  while (Date.now() < until) {
    try {
      const r = await client.search({ collection_name: collection, data: [vector], limit: 10, params: { nprobe: 16 } });
      if (r.status.error_code === 'Success') searches++; else failed++;
    } catch (e) { failed++; }
  }
}
const start = Date.now();
await Promise.all(Array.from({ length: concurrency }, loop));
const took = (Date.now() - start) / 1000;
console.log(JSON.stringify({ searches, failed, seconds: took, per_s: searches / took }));
process.exit(0);
