// The Telegram emulator (telegram-test-api) and, in front of its bot API, a small proxy that
// corrects where the emulator differs from Telegram (the quirks below):
//   - sendMessage answers `date` in milliseconds; Telegram uses seconds
//   - getMe answers a user without `is_bot`
//   - editMessageText / editMessageReplyMarkup answer `result: null` (Telegram: the Message)
//   - answerCallbackQuery answers `result: null` (Telegram: true)
//   - getUpdates delivers a callback_query without `chat_instance`, which Telegram always sends
//   - sendDocument is missing: the proxy answers as Telegram does and keeps [chat_id, file name] for the tests
//     to read at GET /harness/documents
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
  let nextDocumentId = 900000;
  const proxy = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (req.url === '/harness/documents') {
        const out = Buffer.from(JSON.stringify(documents));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
        res.end(out);
        return;
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
                const params = parseBody(raw, req.headers['content-type']);
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
