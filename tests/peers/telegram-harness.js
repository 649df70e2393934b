// The Telegram emulator (telegram-test-api) and, in front of its bot API, a small proxy that
// corrects where the emulator differs from Telegram (the quirks below):
//   - sendMessage answers `date` in milliseconds; Telegram uses seconds
//   - getMe answers a user without `is_bot`
//   - editMessageText / editMessageReplyMarkup answer `result: null` (Telegram: the Message)
//   - answerCallbackQuery answers `result: null` (Telegram: true)
//   - getUpdates delivers a callback_query without `chat_instance`, which Telegram always sends
//   - sendDocument is missing: the proxy answers as Telegram does and keeps [chat_id, file name] for the tests
//     to read at GET /harness/documents
//   - getMe answers the same bot (666, TestNameBot) for every token; Telegram answers the token's own bot, whose
//     id is the token's first part: the proxy answers that id, named Org<id>Bot, for any token but the default
//   - a webhook is called without the X-Telegram-Bot-Api-Secret-Token header its setWebhook gave: the proxy
//     keeps each token's url and secret, points the emulator at /harness/relay/<token> and relays each update
//     with the header; GET /harness/webhooks lists [bot id, url, secret length]
// The product talks to the proxy; the tests play the people through the emulator's client routes.
// Usage: node telegram-harness.js EMULATOR_PORT PROXY_PORT
'use strict';
const http = require('http');
const querystring = require('querystring');
const TelegramServer = require('telegram-test-api');

const [emulatorPort, proxyPort] = process.argv.slice(2).map(Number);

function parseBody(raw, type) {
  if (!raw.length) return {};
  const text = raw.toString('utf8');
  if ((type || '').includes('json')) return JSON.parse(text);
  return querystring.parse(text);
}

function fix(method, params, payload) {
  if (!payload || payload.ok !== true) return payload;
  const now = Math.floor(Date.now() / 1000);
  if (method === 'getMe') {
    payload.result = { ...payload.result, is_bot: true, username: String(payload.result.username).replace(/\s+/g, '') };
    if (params.__token && !params.__token.startsWith('123456:')) {
      const id = Number(params.__token.split(':')[0]);
      payload.result = { ...payload.result, id, username: `Org${id}Bot`, first_name: `Org ${id}` };
    }
  } else if (method === 'sendMessage' && payload.result && payload.result.date > 1e11) {
    payload.result.date = Math.floor(payload.result.date / 1000);
  } else if ((method === 'editMessageText' || method === 'editMessageReplyMarkup') && payload.result === null) {
    payload.result = {
      message_id: Number(params.message_id),
      date: now,
      chat: { id: Number(params.chat_id), type: 'private' },
      text: params.text || '',
    };
  } else if (method === 'answerCallbackQuery' && payload.result === null) {
    payload.result = true;
  } else if (method === 'getUpdates' && Array.isArray(payload.result)) {
    for (const update of payload.result) {
      const query = update.callback_query;
      if (query && !query.chat_instance) {
        query.chat_instance = String(query.message && query.message.chat ? query.message.chat.id : query.from.id);
      }
    }
  }
  return payload;
}

async function main() {
  const server = new TelegramServer({ port: emulatorPort, host: '127.0.0.1', storeTimeout: 3600 });
  await server.start();
  const documents = [];
  const webhooks = {}; // token → { url, secret }
  let nextDocumentId = 900000;
  const relay = (token, raw, res) => {
    const hook = webhooks[token];
    if (!hook) { res.writeHead(404); res.end(); return; }
    const target = new URL(hook.url);
    const headers = { 'content-type': 'application/json', 'content-length': raw.length };
    if (hook.secret) headers['x-telegram-bot-api-secret-token'] = hook.secret;
    const out = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers },
      (up) => { up.resume(); up.on('end', () => { res.writeHead(up.statusCode); res.end(); }); });
    out.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
    out.end(raw);
  };
  const proxy = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.url === '/harness/documents') {
        const out = Buffer.from(JSON.stringify(documents));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
        res.end(out);
        return;
      }
      if (req.url === '/harness/webhooks') {
        const list = Object.entries(webhooks).map(([token, h]) => [token.split(':')[0], h.url, (h.secret || '').length]);
        const out = Buffer.from(JSON.stringify(list));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
        res.end(out);
        return;
      }
      const relayed = /^\/harness\/relay\/(.+)$/.exec(req.url || '');
      if (relayed) { relay(decodeURIComponent(relayed[1]), raw, res); return; }
      const hooked = /^\/bot([^/]+)\/(setWebhook|deleteWebhook)/.exec(req.url || '');
      if (hooked) {
        const token = decodeURIComponent(hooked[1]);
        if (hooked[2] === 'setWebhook') {
          const params = parseBody(raw, req.headers['content-type']);
          webhooks[token] = { url: params.url, secret: params.secret_token || '' };
          raw = Buffer.from(JSON.stringify({ url: `http://127.0.0.1:${proxyPort}/harness/relay/${encodeURIComponent(token)}` }));
          req.headers['content-type'] = 'application/json';
        } else {
          delete webhooks[token];
        }
      }
      if (/^\/bot[^/]+\/sendDocument/.test(req.url || '')) {
        const text = raw.toString('latin1');
        const chat = /name="chat_id"[^\r]*\r\n(?:[^\r]+\r\n)*\r\n([^\r]+)/.exec(text);
        const file = /name="document"; filename="([^"]*)"/.exec(text);
        const name = file ? Buffer.from(file[1], 'latin1').toString('utf8') : '';
        documents.push([chat ? chat[1] : '', name]);
        const chatId = Number(chat ? chat[1] : 0);
        const result = { message_id: nextDocumentId++, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' },
          document: { file_id: `doc${nextDocumentId}`, file_unique_id: `u${nextDocumentId}`, file_name: name } };
        const out = Buffer.from(JSON.stringify({ ok: true, result }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
        res.end(out);
        return;
      }
      const headers = { ...req.headers, host: `127.0.0.1:${emulatorPort}`, 'content-length': raw.length };
      const upstream = http.request({ host: '127.0.0.1', port: emulatorPort, path: req.url, method: req.method, headers },
        (up) => {
          const body = [];
          up.on('data', (c) => body.push(c));
          up.on('end', () => {
            let out = Buffer.concat(body);
            const match = /^\/bot[^/]+\/(\w+)/.exec(req.url || '');
            if (match) {
              try {
                const params = { ...parseBody(raw, req.headers['content-type']), __token: decodeURIComponent(/^\/bot([^/]+)/.exec(req.url)[1]) };
                out = Buffer.from(JSON.stringify(fix(match[1], params, JSON.parse(out.toString('utf8')))));
              } catch (e) { /* not JSON: pass it through untouched */ }
            }
            res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': out.length });
            res.end(out);
          });
        });
      upstream.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
      upstream.end(raw);
    });
  });
  proxy.listen(proxyPort, '127.0.0.1', () => console.log('ready'));
  const stop = async () => { proxy.close(); await server.stop(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => { console.error(e); process.exit(1); });
