// The new Node SDK (`@stream-io/node-sdk`) against the emulator: /api/v2 paths, nanosecond timestamps (the SDK
// decodes them into Dates), rate-limit headers in every response's metadata. Create, read, list, update, delete.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { StreamClient } from '@stream-io/node-sdk';

import { KEY, SECRET, startEmulator } from './emulator.mjs';

let emulator;
let client;

before(async () => {
  emulator = await startEmulator();
  client = new StreamClient(KEY, SECRET, { basePath: emulator.url });
});

after(async () => {
  await emulator?.stop();
});

async function rejectsWith(promise, code, operation) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.code, code);
    assert.match(error.message, new RegExp(`^Stream error code ${code}: ${operation} failed with error: "`));
    return true;
  });
}

test('app settings: read and update; rate-limit metadata', async () => {
  const response = await client.getApp();
  assert.equal(response.app.name, KEY);
  assert.equal(response.metadata.rateLimit.rateLimit, 10000);
  assert.ok(response.metadata.rateLimit.rateLimitReset instanceof Date);
  // The SDK's APNConfig spells `disabled` in lower case (the spec: `Disabled`); the API takes either.
  await client.updateApp({
    webhook_url: 'https://hooks.example.com/stream',
    apn_config: { auth_type: 'token', auth_key: 'P8', key_id: 'K', team_id: 'T', bundle_id: 'com.example' },
  });
  assert.equal((await client.getApp()).app.push_notifications.apn.enabled, true);
  await client.updateApp({ apn_config: { disabled: true } });
  const { app } = await client.getApp();
  assert.equal(app.push_notifications.apn.enabled, false);
  assert.equal(app.webhook_url, 'https://hooks.example.com/stream');
});

test('channel types and commands: create, read, list, update, delete', async () => {
  const { command } = await client.chat.createCommand({ name: 'ticket', description: 'Open a ticket' });
  assert.ok(command.created_at instanceof Date);
  const created = await client.chat.createChannelType({
    name: 'support', automod: 'disabled', automod_behavior: 'flag', max_message_length: 5000, commands: ['ticket'],
  });
  assert.ok(created.created_at instanceof Date);
  assert.equal((await client.chat.getChannelType({ name: 'support' })).commands[0].name, 'ticket');
  assert.ok('support' in (await client.chat.listChannelTypes()).channel_types);
  const updated = await client.chat.updateChannelType({
    name: 'support', automod: 'simple', automod_behavior: 'block', max_message_length: 2000, commands: [],
  });
  assert.equal(updated.max_message_length, 2000);
  await client.chat.updateCommand({ name: 'ticket', description: 'Open a support ticket' });
  assert.equal((await client.chat.getCommand({ name: 'ticket' })).description, 'Open a support ticket');
  assert.deepEqual((await client.chat.listCommands()).commands.map((item) => item.name), ['ticket']);
  await client.chat.deleteChannelType({ name: 'support' });
  await client.chat.deleteCommand({ name: 'ticket' });
  await rejectsWith(client.chat.getChannelType({ name: 'support' }), 16, 'GetChannelType');
});

test('blocklists: create, read, list, update, import, delete', async () => {
  const { blocklist } = await client.createBlockList({ name: 'banned', words: ['spam'] });
  const { task_id: taskId } = await client.importBlockList({ id: blocklist.id, items: ['spam', 'scam'] });
  const task = await client.getTask({ id: taskId });
  assert.equal(task.status, 'completed');
  assert.deepEqual((await client.getBlockList({ name: 'banned' })).blocklist.words, ['spam', 'scam']);
  assert.equal((await client.listBlockLists()).blocklists.length, 2);
  await client.updateBlockList({ name: 'banned', words: ['phishing'] });
  assert.deepEqual((await client.getBlockList({ name: 'banned' })).blocklist.words, ['phishing']);
  await client.deleteBlockList({ name: 'banned' });
  await rejectsWith(client.getBlockList({ name: 'banned' }), 16, 'GetBlockList');
});

test('roles and permissions: create, read, list, delete', async () => {
  await client.createRole({ name: 'support-agent' });
  assert.ok((await client.listRoles()).roles.some((role) => role.name === 'support-agent'));
  assert.equal((await client.getPermission({ id: 'create-channel' })).permission.custom, false);
  assert.ok((await client.listPermissions()).permissions.length > 100);
  await client.deleteRole({ name: 'support-agent' });
  await rejectsWith(client.deleteRole({ name: 'support-agent' }), 16, 'DeleteRole');
});

test('push providers and templates: upsert, list, delete', async () => {
  await client.updateApp({ push_config: { version: 'v3' } });
  const { push_provider: provider } = await client.upsertPushProvider({
    push_provider: { name: 'hms', type: 'huawei', huawei_app_id: 'id', huawei_app_secret: 'secret' },
  });
  assert.ok(provider.created_at instanceof Date);
  // A provider read back (with created_at/updated_at) is upserted unchanged.
  const [listed] = (await client.listPushProviders()).push_providers;
  await client.upsertPushProvider({ push_provider: { ...listed, description: 'Huawei' } });
  assert.equal((await client.listPushProviders()).push_providers[0].description, 'Huawei');
  await client.upsertPushTemplate({ event_type: 'message.new', push_provider_type: 'huawei', push_provider_name: 'hms' });
  const { templates } = await client.getPushTemplates({ push_provider_type: 'huawei' });
  assert.equal(templates.length, 1);
  const check = await client.checkPush({ user_id: 'alice', skip_devices: true });
  assert.equal(check.device_errors, undefined);
  await client.deletePushProvider({ type: 'huawei', name: 'hms' });
  assert.deepEqual((await client.listPushProviders()).push_providers, []);
});

test('retention policies: set, read, delete', async () => {
  const { policy } = await client.chat.setRetentionPolicy({ policy: 'inactive-channels', max_age_hours: 48 });
  assert.ok(policy.enabled_at instanceof Date);
  assert.equal((await client.chat.getRetentionPolicy()).policies.length, 1);
  await client.chat.deleteRetentionPolicy({ policy: 'inactive-channels' });
  assert.deepEqual((await client.chat.getRetentionPolicy()).policies, []);
});

test('external storage: create, list, update, check, delete', async () => {
  await client.createExternalStorage({
    name: 'exports', storage_type: 's3', bucket: 'chat-exports', aws_s3: { s3_region: 'eu-west-1' },
  });
  const { external_storages: storages } = await client.listExternalStorage();
  assert.deepEqual(storages.exports, { name: 'exports', type: 's3', bucket: 'chat-exports', path: '' });
  await client.updateExternalStorage({
    name: 'exports', storage_type: 's3', bucket: 'chat-exports', path: 'daily', aws_s3: { s3_region: 'us-east-1' },
  });
  const { file_url: fileUrl } = await client.checkExternalStorage({ name: 'exports' });
  assert.match(fileUrl, /^https:\/\/chat-exports\.s3\.us-east-1\.amazonaws\.com\/daily\/stream-check-\d+\.txt$/);
  await client.deleteExternalStorage({ name: 'exports' });
  assert.deepEqual((await client.listExternalStorage()).external_storages, {});
});

test('checks and rate limits', async () => {
  const sqs = await client.checkSQS({ sqs_key: 'k', sqs_secret: 's', sqs_url: 'https://foo.com/bar' });
  assert.equal(sqs.status, 'error');
  const sns = await client.checkSNS({});
  assert.equal(sns.status, 'error');
  const limits = await client.getRateLimits({ server_side: true, endpoints: 'GetRateLimits,SendMessage' });
  assert.deepEqual(Object.keys(limits.server_side).sort(), ['GetRateLimits', 'SendMessage']);
});
