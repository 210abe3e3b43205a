// k6/experimental/streams: a ReadableStream whose source produces numbers
// from a timer, at most 3 queued (CountQueuingStrategy), read to its end.
import { CountQueuingStrategy, ReadableStream } from 'k6/experimental/streams';
import { setTimeout } from 'k6/timers';

export const options = { iterations: 1 };

export default async function () {
  let n = 0;
  const stream = new ReadableStream(
    {
      start(controller) {
        const produce = () => {
          if (n === 5) {
            controller.close();
            return;
          }
          controller.enqueue(++n);
          setTimeout(produce, 5);
        };
        produce();
      },
    },
    new CountQueuingStrategy({ highWaterMark: 3 }),
  );

  const reader = stream.getReader();
  let sum = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    console.log(`read ${r.value}`);
    sum += r.value;
  }
  console.log(`sum ${sum}, locked: ${stream.locked}`);
}
