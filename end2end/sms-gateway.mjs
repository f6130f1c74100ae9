// A fake SMS gateway for the journeys: the server texts through it (the JSON adapter of
// docs/notifications.md), and a journey reads what a phone received with
// GET /texts?to=<mobile>. It keeps texts in memory for the run.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 18_083);
const texts = [];

createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'POST' && url.pathname === '/sms') {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      try {
        const { to, text } = JSON.parse(body);
        texts.push({ to, text });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  } else if (req.method === 'GET' && url.pathname === '/texts') {
    const to = url.searchParams.get('to');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(texts.filter((t) => t.to === to).map((t) => t.text)));
  } else if (req.method === 'GET' && url.pathname === '/health') {
    res.writeHead(200).end('ok');
  } else {
    res.writeHead(404).end();
  }
}).listen(port, '127.0.0.1');
