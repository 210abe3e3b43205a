// k6/ws: a session against the target's echo endpoint (ws://…/echo):
// connect blocks until the socket closes; the response is the handshake's.
import ws from 'k6/ws';
import { check } from 'k6';

export const options = { iterations: 1, thresholds: { checks: ['rate==1'] } };

export default function () {
  const res = ws.connect(`${__ENV.BASE_URL.replace('http', 'ws')}/echo`, {}, (socket) => {
    socket.on('open', () => socket.send('ping from k6/ws'));
    socket.on('message', (msg) => {
      console.log(`echo: ${msg}`);
      socket.close();
    });
    socket.on('close', () => console.log('closed'));
  });
  check(res, { 'switched protocols': (r) => r && r.status === 101 });
  console.log(`status ${res.status}`);
}
