// The classic JS SDK (`stream-chat`) against the emulator: server-side client, legacy un-prefixed paths,
// RFC-3339 timestamps. One test per resource kind: create, read, list, update, delete.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { StreamChat } from 'stream-chat';

import { KEY, SECRET, startEmulator } from './emulator.mjs';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
let emulator;
let client;

before(async () => {
  emulator = await startEmulator();
  client = new StreamChat(KEY, SECRET, { baseURL: emulator.url });
});

after(async () => {
  await emulator?.stop();
});

async function rejectsWith(promise, status, code, operation) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.status, status);
    assert.equal(error.code, code);
    assert.match(error.message, new RegExp(`^StreamChat error code ${code}: ${operation} failed with error: "`));
    return true;
  });
}

test('app settings: read and update', async () => {
  const { app } = await client.getAppSettings();
  assert.equal(app.name, KEY);
  await client.updateAppSettings({
    webhook_url: 'https://hooks.example.com/stream',
    push_config: { version: 'v3' },
    event_hooks: [
      { hook_type: 'webhook', webhook_url: 'https://hooks.example.com/a', event_types: ['message.new'] },
      { hook_type: 'webhook', webhook_url: 'https://hooks.example.com/b', event_types: [] },
    ],
  });
  const hooks = (await client.getAppSettings()).app.event_hooks;
  assert.deepEqual(hooks.map((hook) => hook.webhook_url), ['https://hooks.example.com/a', 'https://hooks.example.com/b']);
  assert.match(hooks[0].created_at, RFC3339);
  // The SDK's explicit deletion: only the hook marked `delete` goes, the others stay.
  await client.updateAppSettings({ explicit_event_hooks_deletion: true, event_hooks: [{ id: hooks[0].id, delete: true }] });
  const left = (await client.getAppSettings()).app.event_hooks;
  assert.deepEqual(left.map((hook) => hook.webhook_url), ['https://hooks.example.com/b']);
  await client.revokeTokens(new Date('2025-01-01T00:00:00Z'));
  assert.equal((await client.getAppSettings()).app.revoke_tokens_issued_before, '2025-01-01T00:00:00Z');
  await client.revokeTokens(null);
  assert.equal((await client.getAppSettings()).app.revoke_tokens_issued_before, undefined);
});

test('channel types: create, read, list, update, delete', async () => {
  // createChannelType sends commands: ['all'] unless told otherwise, as the legacy API expects.
  const created = await client.createChannelType({ name: 'support' });
  assert.deepEqual(created.commands, ['giphy', 'ban', 'unban', 'mute', 'unmute']);
  assert.match(created.created_at, RFC3339);
  const got = await client.getChannelType('support');
  assert.equal(got.commands[0].name, 'giphy');
  assert.ok('support' in (await client.listChannelTypes()).channel_types);
  const updated = await client.updateChannelType('support', { typing_events: false });
  assert.equal(updated.typing_events, false);
  await client.deleteChannelType('support');
  await rejectsWith(client.getChannelType('support'), 404, 16, 'GetChannelType');
});

test('commands: create, read, list, update, delete', async () => {
  const { command } = await client.createCommand({ name: 'ticket', description: 'Open a ticket', args: '[subject]' });
  assert.match(command.created_at, RFC3339);
  assert.equal((await client.getCommand('ticket')).description, 'Open a ticket');
  assert.deepEqual((await client.listCommands()).commands.map((item) => item.name), ['ticket']);
  const { command: updated } = await client.updateCommand('ticket', { description: 'Open a support ticket' });
  assert.equal(updated.description, 'Open a support ticket');
  assert.equal((await client.deleteCommand('ticket')).name, 'ticket');
  await rejectsWith(client.getCommand('ticket'), 404, 16, 'GetCommand');
});

test('blocklists: create, read, list, update, delete', async () => {
  await client.createBlockList({ name: 'banned', words: ['spam'], validate: true });
  assert.deepEqual((await client.getBlockList('banned')).blocklist.words, ['spam']);
  const names = (await client.listBlockLists()).blocklists.map((item) => item.name);
  assert.deepEqual(names, ['profanity_en_2020_v1', 'banned']);
  await client.updateBlockList('banned', { words: ['phishing'] });
  assert.deepEqual((await client.getBlockList('banned')).blocklist.words, ['phishing']);
  await client.deleteBlockList('banned');
  await rejectsWith(client.getBlockList('banned'), 404, 16, 'GetBlockList');
});

test('roles and permissions: create, read, list, update, delete', async () => {
  const { role } = await client.createRole('support-agent');
  assert.equal(role.custom, true);
  assert.ok((await client.listRoles()).roles.some((item) => item.name === 'support-agent'));
  await client.createPermission({ id: 'read-support', name: 'Read support', action: 'ReadChannel', condition: {} });
  assert.equal((await client.getPermission('read-support')).permission.name, 'Read support');
  assert.ok((await client.listPermissions()).permissions.some((item) => item.id === 'read-support'));
  await client.updatePermission('read-support', { name: 'Read helpdesk', action: 'ReadChannel', condition: {} });
  assert.equal((await client.getPermission('read-support')).permission.name, 'Read helpdesk');
  await client.deletePermission('read-support');
  await client.deleteRole('support-agent');
  assert.ok(!(await client.listRoles()).roles.some((item) => item.name === 'support-agent'));
});

test('push providers: upsert, list, delete', async () => {
  await client.updateAppSettings({ push_config: { version: 'v3' } });
  const { push_provider: provider } = await client.upsertPushProvider({
    name: 'mi', type: 'xiaomi', xiaomi_package_name: 'com.example', xiaomi_app_secret: 'secret',
  });
  assert.match(provider.created_at, RFC3339);
  // The SDK's PushProviderConfig spells the secret `xiaomi_secret`; the spec has no such field: ignored.
  await client.upsertPushProvider({ name: 'mi', type: 'xiaomi', xiaomi_secret: 'x', description: 'Xiaomi' });
  const { push_providers: providers } = await client.listPushProviders();
  assert.deepEqual(providers.map((item) => [item.name, item.description]), [['mi', 'Xiaomi']]);
  await client.deletePushProvider({ type: 'xiaomi', name: 'mi' });
  assert.deepEqual((await client.listPushProviders()).push_providers, []);
});

test('retention policies: set, read, runs, delete', async () => {
  const { policy } = await client.setRetentionPolicy('old-messages', 720);
  assert.match(policy.enabled_at, RFC3339);
  assert.deepEqual((await client.getRetentionPolicy()).policies.map((item) => item.policy), ['old-messages']);
  assert.deepEqual((await client.getRetentionPolicyRuns({ limit: 5 })).runs, []);
  await client.deleteRetentionPolicy('old-messages');
  assert.deepEqual((await client.getRetentionPolicy()).policies, []);
});

test('checks: push, SQS, SNS', async () => {
  const push = await client.testPushSettings('alice', { skipDevices: true });
  assert.deepEqual(push.general_errors, ['no push provider is configured']);
  const sqs = await client.testSQSSettings({ sqs_key: 'k', sqs_secret: 's', sqs_url: 'https://foo.com/bar' });
  assert.deepEqual([sqs.status, sqs.error], ['error', 'invalid SQS url']);
  const sns = await client.testSNSSettings({
    sns_key: 'k', sns_secret: 's', sns_topic_arn: 'arn:aws:sns:us-east-1:123456789012:topic',
  });
  assert.equal(sns.status, 'ok');
});

test('rate limits: every documented endpoint', async () => {
  const limits = await client.getRateLimits({ serverSide: true, endpoints: ['GetRateLimits', 'SendMessage'] });
  assert.deepEqual(Object.keys(limits.server_side).sort(), ['GetRateLimits', 'SendMessage']);
  assert.equal(limits.android, undefined);
});
