// k6/timers: setTimeout and setInterval (also globals) run their callbacks
// on the VU's event loop; the iteration ends when none is left.
import { clearInterval, setInterval, setTimeout } from 'k6/timers';

export const options = { iterations: 1 };

export default function () {
  let ticks = 0;
  const id = setInterval(() => {
    ticks++;
    console.log(`tick ${ticks}`);
    if (ticks === 3) {
      clearInterval(id);
      setTimeout(() => console.log('done after 3 ticks'), 10);
    }
  }, 10);
  console.log('timers set');
}
