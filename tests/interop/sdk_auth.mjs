// The official Milvus Node SDK's user management and sign-in against a milvus-drill
// endpoint started with --auth: root signs in with its default password, a user is
// created, signs in, has its password changed (the old one then refused, the new one
// accepted), is listed and deleted; a wrong password is refused. Prints one JSON line
// and exits 0 only when every check held. Usage: node sdk_auth.mjs HOST:PORT
import { MilvusClient } from '@zilliz/milvus2-sdk-node';

const address = process.argv[2];
const facts = {};
const fail = (why) => { console.log(JSON.stringify({ ok: false, why, facts })); process.exit(1); };
const check = (cond, why) => { if (!cond) fail(why); };
const okStatus = (s, step) => check(s && s.error_code === 'Success', `${step}: ${JSON.stringify(s)}`);

// A call as `username` with `password`: 'ok', or the error's text.
async function signIn(username, password) {
  const c = new MilvusClient({ address, username, password, timeout: 5000 });
  try {
    await c.connectPromise;
    const r = await c.hasCollection({ collection_name: 'auth_probe' });
    return r.status && r.status.error_code === 'Success' ? 'ok' : JSON.stringify(r.status);
  } catch (e) {
    return String(e && e.message ? e.message : e);
  } finally {
    try { await c.closeConnection(); } catch (e) { /* already closed */ }
  }
}

check(await signIn('root', 'Milvus') === 'ok', 'root with Milvus refused');
facts.wrong_password = await signIn('root', 'not-Milvus');
check(facts.wrong_password !== 'ok', 'a wrong password was accepted');
check(/auth|UNAUTHENTICATED|16/i.test(facts.wrong_password), `unexpected refusal: ${facts.wrong_password}`);

const root = new MilvusClient({ address, username: 'root', password: 'Milvus', timeout: 5000 });
await root.connectPromise;
okStatus(await root.createUser({ username: 'node_user', password: 'node-pass-1' }), 'createUser');
const listed = await root.listUsers();
okStatus(listed.status, 'listUsers');
facts.users = listed.usernames;
check(listed.usernames.includes('node_user') && listed.usernames.includes('root'), `listUsers: ${listed.usernames}`);
check(await signIn('node_user', 'node-pass-1') === 'ok', 'the new user could not sign in');

okStatus(await root.updateUser({ username: 'node_user', oldPassword: 'node-pass-1', newPassword: 'node-pass-2' }),
  'updateUser');
// The other proxy may take up to its view's age (250 ms) to see the change.
await new Promise((r) => setTimeout(r, 600));
facts.old_password_after_change = await signIn('node_user', 'node-pass-1');
check(facts.old_password_after_change !== 'ok', 'the old password still worked after the change');
check(await signIn('node_user', 'node-pass-2') === 'ok', 'the new password did not work');

const badUpdate = await root.updateUser({ username: 'node_user', oldPassword: 'wrong-old', newPassword: 'node-pass-3' });
check(badUpdate.error_code !== 'Success', 'updateUser with a wrong old password succeeded');
facts.bad_update = badUpdate.error_code;

okStatus(await root.deleteUser({ username: 'node_user' }), 'deleteUser');
await new Promise((r) => setTimeout(r, 600));
check(await signIn('node_user', 'node-pass-2') !== 'ok', 'a deleted user could still sign in');
const after = await root.listUsers();
check(!after.usernames.includes('node_user'), `deleted user still listed: ${after.usernames}`);
await root.closeConnection();
console.log(JSON.stringify({ ok: true, facts }));
process.exit(0);
