// The official Milvus Node SDK against a milvus-drill endpoint. Every step's result
// is checked; the script prints one JSON line of measured facts and exits 0 only
// when every check held. Usage: node sdk_flow.mjs HOST:PORT
import { MilvusClient, DataType } from '@zilliz/milvus2-sdk-node';

const address = process.argv[2];
const name = 'node_sdk_interop';
const dim = 128;
const facts = {};
const fail = (why) => { console.log(JSON.stringify({ ok: false, why, facts })); process.exit(1); };
const check = (cond, why) => { if (!cond) fail(why); };
const okStatus = (s, step) => check(s && s.error_code === 'Success' && (s.code === 0 || s.code === undefined), `${step}: ${JSON.stringify(s)}`);

const client = new MilvusClient({ address });
await client.connectPromise;

const has0 = await client.hasCollection({ collection_name: name });
okStatus(has0.status, 'hasCollection');
check(has0.value === false, 'collection existed before the test');

okStatus(await client.createCollection({
  collection_name: name,
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: true },
    { name: 'vector', data_type: DataType.FloatVector, dim },
  ],
}), 'createCollection');

let seed = 7;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const rows = [];
for (let i = 0; i < 1000; i++) rows.push({ vector: Array.from({ length: dim }, rand) });
const ins = await client.insert({ collection_name: name, data: rows });
okStatus(ins.status, 'insert');
facts.insert_cnt = Number(ins.insert_cnt);
check(facts.insert_cnt === 1000, `insert_cnt ${ins.insert_cnt}`);
const ids = ins.IDs.int_id.data.map(String);
check(ids.length === 1000 && new Set(ids).size === 1000, 'insert ids not 1000 distinct');

okStatus(await client.createIndex({
  collection_name: name, field_name: 'vector', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 128 },
}), 'createIndex');

okStatus(await client.loadCollection({ collection_name: name }), 'loadCollection');

const res = await client.search({
  collection_name: name, data: [rows[42].vector], limit: 10, params: { nprobe: 16 }, metric_type: 'L2',
});
okStatus(res.status, 'search');
facts.hits = res.results.length;
facts.top_id = String(res.results[0].id);
facts.top_score = res.results[0].score;
check(res.results.length === 10, `search returned ${res.results.length} hits`);
check(facts.top_id === ids[42], `top hit ${facts.top_id}, expected ${ids[42]}`);
check(Math.abs(facts.top_score) < 1e-6, `top score ${facts.top_score}`);

const cnt = await client.query({ collection_name: name, output_fields: ['count(*)'] });
okStatus(cnt.status, 'query count(*)');
facts.count = Number(cnt.data[0]['count(*)']);
check(facts.count === 1000, `count(*) = ${facts.count}`);

const byId = await client.query({ collection_name: name, filter: `id in [${ids[1]}, ${ids[2]}]`, output_fields: ['id'] });
okStatus(byId.status, 'query by id');
check(byId.data.length === 2, `query by id returned ${byId.data.length} rows`);

const desc = await client.describeCollection({ collection_name: name });
okStatus(desc.status, 'describeCollection');
const reps = await client.getReplicas({ collectionID: desc.collectionID, collection_name: name });
okStatus(reps.status, 'getReplicas');
facts.replicas = reps.replicas.length;
check(reps.replicas.length >= 1 && reps.replicas[0].node_ids.length >= 1, 'no replica reported');

okStatus(await client.dropCollection({ collection_name: name }), 'dropCollection');
const has1 = await client.hasCollection({ collection_name: name });
check(has1.value === false, 'collection still there after drop');

console.log(JSON.stringify({ ok: true, facts }));
await client.closeConnection();
process.exit(0);
