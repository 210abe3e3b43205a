// k6/websockets: the browser's WebSocket API against the target's echo
// endpoint (ws://…/echo): open, send, receive the echo, close.
import { WebSocket } from 'k6/websockets';

export const options = { iterations: 1 };

export default function () {
  const ws = new WebSocket(`${__ENV.BASE_URL.replace('http', 'ws')}/echo`);
  ws.onopen = () => {
    console.log('open');
    ws.send('hello');
  };
  ws.onmessage = (e) => {
    console.log(`echo: ${e.data}`);
    ws.close();
  };
  ws.onclose = () => console.log('closed');
}
