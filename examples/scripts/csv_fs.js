// k6/experimental/fs opens files in the init context (read once per run);
// k6/experimental/csv parses one whole or streams its rows.
import csv from 'k6/experimental/csv';
import { open } from 'k6/experimental/fs';

const file = await open('./data/scores.csv');
const rows = await csv.parse(file, { skipFirstLine: true });
const parser = new csv.Parser(await open('./data/scores.csv'), { asObjects: true });

export const options = { iterations: 1 };

export default async function () {
  console.log(`${rows.length} rows, first: ${rows[0].join(' ')}`);

  const info = await file.stat();
  console.log(`${info.name}: ${info.size} bytes`);

  let total = 0;
  for (let r = await parser.next(); !r.done; r = await parser.next()) {
    total += Number(r.value.score);
  }
  console.log(`total score: ${total}`);
}
